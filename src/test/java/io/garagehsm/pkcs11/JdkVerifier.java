package io.garagehsm.pkcs11;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/** Verifies token signatures with the JDK's default providers only. */
public final class JdkVerifier {
  private JdkVerifier() {}

  public static boolean verify(
      PublicKey key, SignatureAlgorithm algorithm, byte[] message, byte[] signature) {
    try {
      Signature v;
      if (algorithm == SignatureAlgorithm.RSA_PSS_SHA256) {
        v = Signature.getInstance("RSASSA-PSS");
        v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      } else {
        v = Signature.getInstance("Ed25519");
      }
      v.initVerify(key);
      v.update(message);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
