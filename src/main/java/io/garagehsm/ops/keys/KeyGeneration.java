package io.garagehsm.ops.keys;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.TokenKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Generates a named key pair in a key folder ({@code key generate}, {@code user-keys gen}): a file
 * pair {@code <name>.pub}/{@code <name>.sec}, or a pair ON a token (private, sensitive,
 * non-extractable) recorded as {@code <name>.pub} plus the reference {@code <name>.pkcs11}. Never
 * replaces an existing key. The caller holds the folder's lock, if any.
 */
public final class KeyGeneration {

  /**
   * @param keys the key folder
   * @param name the key's name (its file names)
   * @param type the key type
   * @param bits the key size (256 for Ed25519)
   * @param tokenUri the token to generate on, or null for a file key pair
   */
  public record Request(KeyDirectory keys, String name, KeyType type, int bits, String tokenUri) {}

  private final Supplier<TokenKeys> tokens;

  /** {@code tokens} is asked for only when the key goes on a token. */
  public KeyGeneration(Supplier<TokenKeys> tokens) {
    this.tokens = tokens;
  }

  /** Default key size: 256 for Ed25519, 2048 for RSA. */
  public static int defaultSize(KeyType t) {
    return t == KeyType.RSA ? 2048 : 256;
  }

  public StoredKey run(Request request) {
    KeyDirectory keys = request.keys();
    String name = request.name();
    refuseExisting(keys, name);
    if (request.tokenUri() != null) {
      refuseExisting(keys, name);
      TokenKeys.TokenKeyInfo info =
          tokens.get().generate(request.tokenUri(), name, request.type(), request.bits());
      return KeyAdoption.recordTokenKey(keys, name, info);
    }
    TufKeyPair pair = TufKeyPair.generate(request.type(), request.bits());
    keys.writeKeyPair(name, pair);
    return new StoredKey(
        name,
        pair.publicKey(),
        Optional.empty(),
        List.of(keys.publicFile(name), keys.privateFile(name)));
  }

  /** "Saved keys to dir/{n.sec, n.pub}", garage-sign's wording for a new file key pair. */
  public static String savedKeys(Path dir, String name) {
    return "Saved keys to " + dir + "/{" + name + ".sec, " + name + ".pub}";
  }

  /** Never overwrite a key: a lost private key cannot be recovered. */
  public static void refuseExisting(KeyDirectory keys, String name) {
    if (keys.exists(name)) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          "key '" + name + "' already exists in " + keys.dir(),
          "choose another name, or move keys/" + name + ".* away first");
    }
  }
}
