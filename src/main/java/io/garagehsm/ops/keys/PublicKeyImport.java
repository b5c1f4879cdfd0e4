package io.garagehsm.ops.keys;

import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a PEM public key (SPKI RSA, Ed25519 or P-256, or PKCS#1 RSA) as {@code keys/<name>.pub}
 * of a repository under one or more names ({@code user-keys importpub}).
 */
public final class PublicKeyImport {

  /**
   * @param key the imported key
   * @param filesWritten the {@code .pub} files, one per name
   */
  public record Result(TufKey key, List<Path> filesWritten) {
    public Result {
      filesWritten = List.copyOf(filesWritten);
    }
  }

  private PublicKeyImport() {}

  /** Reads the PEM file; a key no role accepts is still read (its reason is for a warning). */
  public static TufKey read(Path pem) {
    return TufKey.fromPem(KeyDirectory.readText(pem), pem.toString());
  }

  /**
   * Writes {@code key} under each name, under the repository's lock; refuses (writing nothing) when
   * a name already holds another key.
   */
  public static Result store(Repository repo, List<String> names, TufKey key) {
    names.forEach(KeyDirectory::checkName);
    KeyDirectory keys = repo.keys();
    List<Path> written = new ArrayList<>();
    try (RepoLock lock = repo.lock()) {
      for (String n : names) {
        if (Files.exists(keys.publicFile(n)) && !keys.publicKey(n).keyId().equals(key.keyId())) {
          throw new OperationException(
              OperationException.Kind.FAILED,
              "key '" + n + "' already exists in " + keys.dir() + " with another key ID",
              "choose another name");
        }
      }
      for (String n : names) {
        keys.writePublic(n, key);
        written.add(keys.publicFile(n));
      }
    }
    return new Result(key, written);
  }
}
