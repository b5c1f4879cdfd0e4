package io.garagehsm.pkcs11;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * A key signed with through SunPKCS11. The wrapper-side key it came from keeps the login (and the
 * session that holds it) until close.
 */
final class SunPkcs11TokenKey implements TokenKey {
  private static final PSSParameterSpec PSS_SHA256_SALT32 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  private final IaikTokenKey located;
  private final Provider provider;
  private final PrivateKey privateKey;

  SunPkcs11TokenKey(IaikTokenKey located, Provider provider, PrivateKey privateKey) {
    this.located = located;
    this.provider = provider;
    this.privateKey = privateKey;
  }

  /** The wrapper-side key (for the non-extractability probe in tests). */
  IaikTokenKey located() {
    return located;
  }

  @Override
  public PublicKey publicKey() {
    return located.publicKey();
  }

  @Override
  public KeyType keyType() {
    return located.keyType();
  }

  @Override
  public Pkcs11Uri uri() {
    return located.uri();
  }

  @Override
  public byte[] sign(SignatureAlgorithm algorithm, byte[] message) {
    if (algorithm == SignatureAlgorithm.ED25519) {
      throw SunPkcs11TokenBackend.noEdDsa();
    }
    if (privateKey == null || keyType() != KeyType.RSA) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "key '"
              + located.label()
              + "' is "
              + keyType()
              + "; it cannot make "
              + algorithm
              + " signatures");
    }
    try {
      // A fresh Signature each time, parameters set before initSign: SunPKCS11's PSS signature
      // fails on reuse with CKR_OPERATION_ACTIVE when setParameter follows initSign (JDK 17, 25).
      Signature signature = Signature.getInstance("RSASSA-PSS", provider);
      signature.setParameter(PSS_SHA256_SALT32);
      signature.initSign(privateKey);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "SunPKCS11 signing with key '"
              + located.label()
              + "' failed: "
              + String.valueOf(e.getMessage()).replace('\n', ' '),
          null,
          null,
          e);
    }
  }

  @Override
  public void close() {
    located.close();
  }
}
