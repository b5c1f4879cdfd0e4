package io.garagehsm.ops.keys;

import io.garagehsm.metadata.TufKey;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A key that joined a key folder: generated in a file, generated on a token, or adopted from one.
 *
 * @param name the key's name in the folder
 * @param publicKey its public key
 * @param tokenUri the {@code pkcs11:} URI of the key on its token; empty for a file key
 * @param filesWritten what was written, public key first
 */
public record StoredKey(
    String name, TufKey publicKey, Optional<String> tokenUri, List<Path> filesWritten) {
  public StoredKey {
    filesWritten = List.copyOf(filesWritten);
  }

  public String keyId() {
    return publicKey.keyId();
  }
}
