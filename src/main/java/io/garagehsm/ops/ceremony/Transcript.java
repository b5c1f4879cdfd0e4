package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.signing.SignatureLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The tamper-evident ceremony transcript {@code <repo>/ceremony/transcript.jsonl}: one JSON line
 * per signing command or ceremony step, each carrying the SHA-256 of the line before it ({@code
 * prev}; the first carries 64 zeros). Editing, inserting or deleting a line breaks the chain; a
 * {@code ceremony close} line signs the head so that even a rewritten chain is detected.
 */
public final class Transcript {
  /** {@code prev} of the first line. */
  public static final String GENESIS = "0".repeat(64);

  private final Path file;

  private Transcript(Path file) {
    this.file = file;
  }

  /** The transcript of the repository folder {@code repoDir}. */
  public static Transcript ofRepository(Path repoDir) {
    return new Transcript(repoDir.resolve("ceremony").resolve("transcript.jsonl"));
  }

  /** A transcript file anywhere (for {@code verify-transcript --file}). */
  public static Transcript at(Path file) {
    return new Transcript(file);
  }

  public Path file() {
    return file;
  }

  public boolean exists() {
    return Files.isRegularFile(file);
  }

  /**
   * Appends one line (under an exclusive file lock, fsynced) and returns its SHA-256, the new chain
   * head.
   */
  public String append(TranscriptEntry entry) {
    AtomicFiles.createPrivateDir(file.getParent());
    try (FileChannel ch =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      byte[] existing = new byte[(int) ch.size()];
      ByteBuffer in = ByteBuffer.wrap(existing);
      while (in.hasRemaining() && ch.read(in, in.position()) > 0) {
        // read the whole file: the last line's hash links the new one
      }
      List<String> lines = split(new String(existing, StandardCharsets.UTF_8));
      String prev = lines.isEmpty() ? GENESIS : sha256(lines.get(lines.size() - 1));
      ObjectNode o = MetadataJson.object();
      o.put("seq", lines.size() + 1);
      o.setAll(entry.toJson());
      o.put("prev", prev);
      String line = new String(MetadataJson.compact(o), StandardCharsets.UTF_8);
      byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
      // a file whose last line lacks its newline (a killed writer) gets one first
      boolean needsNewline = existing.length > 0 && existing[existing.length - 1] != '\n';
      ByteBuffer out =
          ByteBuffer.wrap(
              needsNewline ? ("\n" + line + "\n").getBytes(StandardCharsets.UTF_8) : bytes);
      long pos = ch.size();
      while (out.hasRemaining()) {
        pos += ch.write(out, pos);
      }
      ch.force(true);
      return sha256(line);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
    }
  }

  /** The lines as written (no trailing newline), empty when the file does not exist. */
  public List<String> lines() {
    if (!exists()) {
      return List.of();
    }
    try {
      return split(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** SHA-256 of the last line, or {@link #GENESIS} for an empty transcript. */
  public String head() {
    List<String> l = lines();
    return l.isEmpty() ? GENESIS : sha256(l.get(l.size() - 1));
  }

  /** The bytes a {@code ceremony close} signs: the head after {@code lines} lines. */
  public static byte[] sealBytes(String repository, int lines, String head) {
    ObjectNode o = MetadataJson.object();
    o.put("garage_hsm_transcript_seal", 1);
    o.put("repository", repository);
    o.put("lines", lines);
    o.put("transcript_head", head);
    return CanonicalJson.encode(o);
  }

  /**
   * Checks the chain and every seal. {@code knownKeys} maps key IDs the repository knows (its
   * {@code keys/} and root) to a name; a seal by any other key is a problem.
   */
  public Check verify(String repository, Map<String, String> knownKeys) {
    List<String> raw = lines();
    List<Line> parsed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<Seal> seals = new ArrayList<>();
    String expectedPrev = GENESIS;
    for (int i = 0; i < raw.size(); i++) {
      int n = i + 1;
      String text = raw.get(i);
      String hash = sha256(text);
      ObjectNode json;
      try {
        json = MetadataJson.parseObject(text.getBytes(StandardCharsets.UTF_8), "line " + n);
      } catch (MetadataException e) {
        problems.add("line " + n + " is not a JSON object: " + e.getMessage());
        expectedPrev = hash;
        parsed.add(new Line(n, MetadataJson.object(), hash));
        continue;
      }
      parsed.add(new Line(n, json, hash));
      if (!expectedPrev.equals(json.path("prev").asText())) {
        problems.add(
            "line "
                + n
                + ": \"prev\" is not the SHA-256 of line "
                + (n - 1 == 0 ? "0 (the chain start)" : String.valueOf(n - 1))
                + ": a line was edited, inserted or removed");
      }
      if (json.path("seq").asInt(-1) != n) {
        problems.add("line " + n + ": \"seq\" is " + json.path("seq") + ", not " + n);
      }
      JsonNode seal = json.path("details").path("seal");
      if (seal.isObject()) {
        seals.add(checkSeal(n, seal, repository, parsed, knownKeys, problems));
      }
      expectedPrev = hash;
    }
    // a valid seal line vouches for the lines it covers and for itself
    int sealed = seals.stream().filter(Seal::valid).mapToInt(Seal::line).max().orElse(0);
    return new Check(file, parsed, List.copyOf(problems), List.copyOf(seals), sealed);
  }

  private static Seal checkSeal(
      int n,
      JsonNode seal,
      String repository,
      List<Line> parsed,
      Map<String, String> knownKeys,
      List<String> problems) {
    int covers = seal.path("lines").asInt(-1);
    String head = seal.path("transcript_head").asText("");
    String keyId = seal.path("key_id").asText("");
    String reason = null;
    if (covers < 1 || covers >= n) {
      reason = "it claims to cover " + covers + " lines";
    } else if (!parsed.get(covers - 1).hash().equals(head)) {
      reason = "its head is not the SHA-256 of line " + covers;
    } else {
      try {
        TufKey key = TufKey.fromJson(seal.path("public_key"), "seal public key");
        SignatureMethod m = SignatureMethod.fromJson(seal.path("method").asText());
        byte[] sig = Base64.getDecoder().decode(seal.path("sig").asText(""));
        if (!key.keyId().equals(keyId)) {
          reason = "its public key is " + key.keyId() + ", not the key ID given " + keyId;
        } else if (!knownKeys.containsKey(keyId)) {
          reason = "key " + keyId + " is neither in keys/ nor in roles/root.json";
        } else if (m != key.type().method()
            || !m.verify(key.publicKey(), sealBytes(repository, covers, head), sig)) {
          reason = "the signature by key " + keyId + " does not verify";
        }
      } catch (RuntimeException e) {
        reason = "it cannot be read: " + e.getMessage();
      }
    }
    if (reason != null) {
      problems.add("line " + n + ": the seal is invalid: " + reason);
    }
    return new Seal(n, covers, keyId, knownKeys.getOrDefault(keyId, null), reason == null, reason);
  }

  /** SHA-256 (hex) of a line's UTF-8 bytes, without its newline. */
  public static String sha256(String line) {
    return SignatureLog.sha256Hex(line.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  /** A line and its hash. */
  public record Line(int number, ObjectNode json, String hash) {}

  /**
   * A {@code ceremony close} line.
   *
   * @param line its line number
   * @param covers the number of lines it signs
   * @param keyId the sealing key
   * @param keyName the repository's name for the key, or null
   * @param valid whether it verifies
   * @param reason why not, or null
   */
  public record Seal(
      int line, int covers, String keyId, String keyName, boolean valid, String reason) {}

  /**
   * The outcome of {@link #verify}.
   *
   * @param file the transcript file
   * @param lines every line
   * @param problems what is wrong, one sentence each; empty when intact
   * @param seals the seal lines
   * @param sealedLines how many leading lines a valid seal covers
   */
  public record Check(
      Path file, List<Line> lines, List<String> problems, List<Seal> seals, int sealedLines) {
    public boolean intact() {
      return problems.isEmpty();
    }
  }
}
