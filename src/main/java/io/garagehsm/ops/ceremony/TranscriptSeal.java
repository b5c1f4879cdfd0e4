package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code ceremony close} and {@code ceremony verify-transcript}: seal and check a transcript. */
public final class TranscriptSeal {
  private TranscriptSeal() {}

  /**
   * A seal made by {@link #seal}.
   *
   * @param file the transcript
   * @param lines the lines it covers (1 to lines)
   * @param head the SHA-256 of the last line it covers
   * @param key the key that signed the seal
   * @param details the {@code details} of the closing line ({@code {"seal": …}})
   */
  public record Sealed(Path file, int lines, String head, SigningKey key, ObjectNode details)
      implements OperationResult {
    /** The line {@code ceremony close} ends with. */
    @Override
    public String summary() {
      return "transcript sealed: lines 1-"
          + lines
          + ", head "
          + head
          + ", key '"
          + key.name()
          + "'";
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "ceremony close");
      o.put("transcript", file.toString());
      o.put("lines", lines);
      o.put("head", head);
      o.set("key", key.toJson());
      return o;
    }
  }

  /**
   * Signs the transcript's current head with {@code signer} (the key {@code keyName}); the caller
   * appends the closing line with {@link Sealed#details()}.
   */
  public static Sealed seal(Repository repo, Signer signer, String keyName) {
    Transcript t = Transcript.ofRepository(repo.dir());
    List<String> lines = t.lines();
    if (lines.isEmpty()) {
      throw new CeremonyException(
          t.file() + " is empty or missing: there is nothing to close",
          "sign something first (every signing command records a line)");
    }
    String head = Transcript.sha256(lines.get(lines.size() - 1));
    byte[] bytes = Transcript.sealBytes(repo.name(), lines.size(), head);
    TufSignature sig = MetadataSigner.signChecked(signer, bytes);
    ObjectNode seal = MetadataJson.object();
    seal.put("lines", lines.size());
    seal.put("transcript_head", head);
    seal.put("key_id", sig.keyId());
    seal.put("method", sig.method().json());
    seal.set("public_key", signer.publicKey().toJson());
    seal.put("sig", sig.sigBase64());
    ObjectNode details = MetadataJson.object();
    details.set("seal", seal);
    return new Sealed(t.file(), lines.size(), head, SigningKey.of(keyName, signer), details);
  }

  /** Checks the repository's transcript (or {@code file}) against the repository's keys. */
  public static Transcript.Check verify(Repository repo, Path file) {
    Transcript t = file == null ? Transcript.ofRepository(repo.dir()) : Transcript.at(file);
    if (!t.exists()) {
      throw new CeremonyException(
          t.file() + " does not exist",
          "every signing command in the repository records a line there; sign something first");
    }
    return t.verify(repo.name(), knownKeys(repo));
  }

  /** Key IDs the repository knows, with a name: {@code keys/*.pub}, then roles/root.json. */
  static Map<String, String> knownKeys(Repository repo) {
    Map<String, String> known = new LinkedHashMap<>(repo.keys().namesByKeyId());
    try {
      java.util.Optional<SignedMetadata> root = repo.signedRole("root");
      if (root.isPresent()) {
        for (Map.Entry<String, TufKey> e :
            RootRole.of(root.get(), "roles/root.json").keys().entrySet()) {
          known.putIfAbsent(e.getKey(), "root.json key");
        }
      }
    } catch (RuntimeException e) {
      // an unreadable root adds no keys
    }
    return known;
  }
}
