package io.garagehsm.ops.keys;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.Progress;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Imports a PEM public key (SPKI RSA, Ed25519 or P-256, or PKCS#1 RSA) as {@code keys/<name>.pub}
 * of a repository under one or more names ({@code user-keys importpub}).
 */
public final class PublicKeyImport {

  /**
   * @param repo the repository, opened only after the names and the PEM file were checked
   * @param names the names to store the key under (at least one)
   * @param pem the PEM public key file
   */
  public record Request(Supplier<Repository> repo, List<String> names, Path pem) {
    public Request {
      names = List.copyOf(names);
    }
  }

  /**
   * @param key the imported key
   * @param names the names it was stored under
   * @param filesWritten the {@code .pub} files, one per name
   * @param unusableForRoles why no role accepts the key (ECDSA, odd RSA sizes), or null
   */
  public record Result(
      TufKey key, List<String> names, List<Path> filesWritten, String unusableForRoles)
      implements OperationResult {
    public Result {
      names = List.copyOf(names);
      filesWritten = List.copyOf(filesWritten);
    }

    /** {@code Imported Ed25519 key <id> to <file>[, <file>…]}. */
    @Override
    public String summary() {
      return "Imported "
          + key.describe()
          + " key "
          + key.keyId()
          + " to "
          + filesWritten.stream().map(Path::toString).collect(Collectors.joining(", "));
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "user-keys importpub");
      o.put("keyid", key.keyId());
      o.put("keyType", key.describe());
      names.forEach(o.putArray("names")::add);
      filesWritten.forEach(p -> o.withArray("filesWritten").add(p.toString()));
      o.put("usableForRoles", unusableForRoles == null);
      o.put("unusableReason", unusableForRoles);
      return o;
    }
  }

  private PublicKeyImport() {}

  /**
   * Checks the names, reads the PEM (a key no role accepts is imported with a warning) and stores
   * it under every name.
   */
  public static Result run(Request request, Progress progress) {
    request.names().forEach(KeyDirectory::checkName);
    TufKey key = read(request.pem());
    String reason = key.unusableForRolesReason();
    if (reason != null) {
      progress.warn(request.pem() + ": " + reason);
    }
    List<Path> written = store(request.repo().get(), request.names(), key);
    return new Result(key, request.names(), written, reason);
  }

  /** Reads the PEM file; a key no role accepts is still read (its reason is for a warning). */
  private static TufKey read(Path pem) {
    return TufKey.fromPem(KeyDirectory.readText(pem), pem.toString());
  }

  /**
   * Writes {@code key} under each name, under the repository's lock; refuses (writing nothing) when
   * a name already holds another key.
   */
  private static List<Path> store(Repository repo, List<String> names, TufKey key) {
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
    return written;
  }
}
