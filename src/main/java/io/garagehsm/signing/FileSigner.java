package io.garagehsm.signing;

import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPrivateCrtKey;

/** A signer over a garage-sign {@code .sec} key file held in memory. */
public final class FileSigner implements Signer {
  private final TufKeyPair pair;
  private final String location;

  public FileSigner(TufKeyPair pair, String location) {
    this.pair = pair;
    this.location = location;
  }

  @Override
  public TufKey publicKey() {
    return pair.publicKey();
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public byte[] sign(byte[] data) {
    try {
      // RSA: the CRT halves on two threads, checked; null sends it to the JDK's Signature
      byte[] sig =
          method() == SignatureMethod.RSASSA_PSS_SHA256
                  && pair.privateKey() instanceof RSAPrivateCrtKey crt
              ? RsaPssSigning.sign(crt, pair.publicKey().publicKey(), data)
              : null;
      return sig != null ? sig : method().sign(pair.privateKey(), data);
    } catch (GeneralSecurityException e) {
      throw new SigningException(
          "signing with " + location + " failed: " + e.getMessage(), null, e);
    }
  }
}
