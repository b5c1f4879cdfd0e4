package io.garagehsm.signing;

import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import java.security.GeneralSecurityException;

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
      return method().sign(pair.privateKey(), data);
    } catch (GeneralSecurityException e) {
      throw new SigningException(
          "signing with " + location + " failed: " + e.getMessage(), null, e);
    }
  }
}
