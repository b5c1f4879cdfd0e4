package io.garagehsm.ops.keys;

import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.signing.TokenKeys;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Adopts a key made on a token by another tool ({@code key adopt}, {@code user-keys adopt}): reads
 * its public key and records it as {@code <name>.pub} plus {@code <name>.pkcs11}, so the name works
 * wherever a key name is taken. The caller holds the folder's lock, if any.
 */
public final class KeyAdoption {

  /**
   * @param keys the key folder
   * @param name the name the key gets there
   * @param keyUri the {@code pkcs11:} URI of the key on its token
   */
  public record Request(KeyDirectory keys, String name, String keyUri) {}

  private final Supplier<TokenKeys> tokens;

  /** {@code tokens} is asked for once the name is known to be free. */
  public KeyAdoption(Supplier<TokenKeys> tokens) {
    this.tokens = tokens;
  }

  public StoredKey run(Request request) {
    KeyDirectory keys = request.keys();
    String name = request.name();
    KeyGeneration.refuseExisting(keys, name);
    TokenKeys.TokenKeyInfo info = tokens.get().adopt(request.keyUri());
    String reason = info.publicKey().unusableForRolesReason();
    if (reason != null) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          request.keyUri() + ": " + reason,
          "adopt an Ed25519 or RSA-2048/3072/4096 key");
    }
    return recordTokenKey(keys, name, info);
  }

  /** Writes {@code <name>.pub} and the reference {@code <name>.pkcs11} of a token key. */
  static StoredKey recordTokenKey(KeyDirectory keys, String name, TokenKeys.TokenKeyInfo info) {
    keys.writeTokenKey(
        name,
        info.publicKey(),
        new TokenReference(info.uri(), info.publicKey().keyId(), info.tokenSerial()));
    return new StoredKey(
        name,
        info.publicKey(),
        Optional.of(info.uri()),
        List.of(keys.publicFile(name), keys.referenceFile(name)));
  }
}
