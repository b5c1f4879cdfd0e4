package io.garagehsm.ops;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.repo.KeyDirectory;
import java.util.Base64;

/**
 * A signature made elsewhere (an offline keyholder, {@code --signatures}) over a role's canonical
 * bytes, accepted only when it verifies under the named public key.
 */
public final class ExternalSignature {
  private ExternalSignature() {}

  /**
   * Checks {@code base64} over {@code data} by the public key {@code keys/<name>.pub}; the method
   * follows from the key type. Fails like garage-sign with "Wrong signature".
   */
  public static TufSignature verify(KeyDirectory keys, String name, String base64, byte[] data) {
    TufKey key = keys.publicKey(name);
    String reason = key.unusableForRolesReason();
    if (reason != null) {
      throw new OperationException(
          OperationException.Kind.FAILED, "key '" + name + "': " + reason, null);
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      sig = null;
    }
    if (sig == null || !key.type().method().verify(key.publicKey(), data, sig)) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          "Wrong signature: keyId: " + key.keyId() + " signature: " + base64,
          "sign exactly the bytes 'get-unsigned' prints (no trailing newline) with key '"
              + name
              + "' ("
              + key.describe()
              + (key.type() == KeyType.RSA
                  ? ": RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32"
                  : ": pure Ed25519")
              + "), base64-encoded");
    }
    return new TufSignature(key.keyId(), key.type().method(), sig);
  }
}
