package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.bench.TargetsFixture;
import io.garagehsm.metadata.InputFile;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local files are bounded input (issue 14 item 7): a huge or endless role file, key file or PIN
 * file, and JSON beyond Jackson's depth limit, give one {@code error:} line naming the file and
 * exit 3 — never an OutOfMemoryError (exit 1) or a NullPointerException text — and change nothing.
 */
class BoundedInputTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");

  @TempDir Path home;
  Path repo;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
  }

  @Test
  void aThreeGigabyteUnsignedTargetsFileIsRefusedByName() throws IOException {
    Path f = repo.resolve("roles/unsigned/targets.json");
    sparse(f, 3L << 30);
    refused(f, "targets", "sign", "-r", "myrepo", "--key-name", "targets");
    refused(f, "targets", "get-unsigned", "-r", "myrepo");
  }

  @Test
  void hugeKeyAndConfigFilesAreRefusedByName() throws IOException {
    Path sec = repo.resolve("keys/targets.sec");
    sparse(sec, 2L << 30);
    refused(sec, "targets", "sign", "-r", "myrepo", "--key-name", "targets");
    Files.delete(sec);
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("fresh"));
    Files.copy(home.resolve("fresh/keys/targets.sec"), sec);

    Path config = repo.resolve("config.json");
    sparse(config, 64L << 20);
    refused(config, "targets", "get-unsigned", "-r", "myrepo");
  }

  @Test
  void jsonDeeperThanTheParserLimitIsRefusedByName() throws IOException {
    Path f = repo.resolve("roles/unsigned/targets.json");
    Files.writeString(f, "[".repeat(100_000) + "]".repeat(100_000), StandardCharsets.US_ASCII);
    Cli.Result r = refused(f, "targets", "sign", "-r", "myrepo", "--key-name", "targets");
    assertFalse(r.err().contains("NullPointer"), r.err());
    assertTrue(r.err().contains("depth"), r.err());
  }

  @Test
  void anEndlessPinFileIsRefusedByName() throws IOException {
    TestToken token = TestTokens.create("bounded-pin");
    Cli.Result r =
        refused(
            Path.of("/dev/zero"),
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "tk",
            "--token",
            token.uri().toString(),
            "--pin-file",
            "/dev/zero");
    assertTrue(r.err().contains("PIN file"), r.err());
  }

  @Test
  void theRoleFileLimitAllowsAMillionTargets() {
    // 10,000 targets in garage-sign's pretty file form, scaled to 1,000,000 with a 20% margin
    byte[] tenThousand = MetadataJson.pretty(TargetsFixture.unsignedTargets(10_000, 1));
    long million = tenThousand.length * 100L;
    assertTrue(
        million * 12 / 10 < InputFile.ROLE_FILE_MAX,
        () -> "1,000,000 targets are about " + million + " bytes");
  }

  /** A sparse file: huge on paper, no disk used. */
  static void sparse(Path f, long size) throws IOException {
    Files.createDirectories(f.getParent());
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
    }
  }

  /** Runs, expecting exit 3 with one error line naming {@code file} and no file changed. */
  Cli.Result refused(Path file, String... args) {
    Map<String, String> before = metadata(home);
    Cli.Result r = Cli.run(NOW, home, args);
    String label = String.join(" ", args);
    assertEquals(3, r.code(), () -> label + "\nstderr:\n" + r.err());
    List<String> errors = new ArrayList<>();
    for (String line : r.err().split("\n")) {
      assertFalse(line.startsWith("\tat ") || line.contains("OutOfMemory"), label + "\n" + r.err());
      if (line.startsWith("error: ")) {
        errors.add(line);
      }
    }
    assertEquals(1, errors.size(), () -> label + "\n" + r.err());
    assertTrue(errors.get(0).contains(file.toString()), () -> label + "\n" + r.err());
    assertEquals(before, metadata(home), () -> "files changed: " + label);
    return r;
  }

  /** Size and modification time of every file (the huge ones cannot be read for a snapshot). */
  static Map<String, String> metadata(Path dir) {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().equals(".garage-hsm.lock")) {
          FileTime t = Files.getLastModifiedTime(p);
          m.put(dir.relativize(p).toString(), Files.size(p) + "@" + t.toMillis());
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return m;
  }
}
