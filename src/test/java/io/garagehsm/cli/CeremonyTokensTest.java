package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code root sign -k …} with keys on two SoftHSM2 tokens that are never present together: a
 * terminal is asked for each absent token; without one the run fails naming the missing tokens.
 * Tokens are made absent by moving their folder out of SoftHSM2's token directory.
 */
class CeremonyTokensTest {
  static final Clock NOW = Cli.at("2026-11-26T07:00:00Z");
  @TempDir Path tmp;
  Path home;
  Path repo;
  TestToken a;
  TestToken b;
  Path away;
  final List<Path[]> moved = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    a = TestTokens.create("ceremony-a");
    b = TestTokens.create("ceremony-b");
    away = tmp.resolve("unplugged");
    Files.createDirectories(away);
    home = tmp.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    repo = home.resolve("myrepo");
    for (String k : new String[] {"root-old.pub", "root-old.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    run(
            TokenPrompter.none(),
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "kh-a",
            "-t",
            "ed25519",
            "--token",
            a.uri().toString(),
            "--pin-file",
            a.pinFile().toString())
        .ok();
    run(
            TokenPrompter.none(),
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "kh-b",
            "-t",
            "ed25519",
            "--token",
            b.uri().toString(),
            "--pin-file",
            b.pinFile().toString())
        .ok();
    // the new root: keys kh-a and kh-b, threshold 2 (previous root: root-old, 1 of 1)
    ObjectNode unsigned = (ObjectNode) Cli.readJson(repo.resolve("roles/root.json")).get("signed");
    Cli.write(repo.resolve("roles/unsigned/root.json"), unsigned.toString());
    run(TokenPrompter.none(), "root", "key", "add", "-r", "myrepo", "-k", "kh-a", "-k", "kh-b")
        .ok();
    run(TokenPrompter.none(), "root", "key", "remove", "-r", "myrepo", "-k", "root-old").ok();
    ObjectNode u = (ObjectNode) Cli.readJson(repo.resolve("roles/unsigned/root.json"));
    ((ObjectNode) u.get("roles").get("root")).put("threshold", 2);
    Cli.write(repo.resolve("roles/unsigned/root.json"), u.toString());
  }

  @AfterEach
  void plugBackIn() {
    for (Path[] m : new ArrayList<>(moved)) {
      plugIn(m);
    }
  }

  Cli.Result run(TokenPrompter prompter, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--home-dir");
    all.add(home.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, Map.of(), NOW, prompter, all.toArray(String[]::new));
    }
    return new Cli.Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  /** Moves the token's folder out of SoftHSM2's token directory; returns {from, to}. */
  Path[] unplug(TestToken t) throws IOException {
    Path tokens = TestTokens.dir().resolve("tokens");
    byte[] label = t.label().getBytes(StandardCharsets.US_ASCII);
    try (Stream<Path> s = Files.list(tokens)) {
      for (Path d : (Iterable<Path>) s::iterator) {
        Path obj = d.resolve("token.object");
        if (Files.isRegularFile(obj) && contains(Files.readAllBytes(obj), label)) {
          Path[] m = {d, away.resolve(d.getFileName())};
          Files.move(m[0], m[1]);
          moved.add(m);
          return m;
        }
      }
    }
    throw new IllegalStateException("no token folder for " + t.label());
  }

  void plugIn(Path[] m) {
    try {
      Files.move(m[1], m[0]);
      moved.remove(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** The serial key generate recorded for the key's token (SoftHSM2 gives every token one). */
  String serial(String keyName) {
    String serial =
        Cli.readJson(repo.resolve("keys/" + keyName + ".pkcs11")).path("token_serial").asText();
    assertTrue(serial.matches("[0-9a-f]{8,16}"), keyName + ": token_serial '" + serial + "'");
    return serial;
  }

  /** How prompts and errors name a key's token: label and serial. */
  String display(String keyName, String label) {
    return "'" + label + "' (serial " + serial(keyName) + ")";
  }

  String[] signArgs() {
    return new String[] {
      "root",
      "sign",
      "-r",
      "myrepo",
      "-k",
      "root-old",
      "-k",
      "kh-a",
      "-k",
      "kh-b",
      "--pin-file",
      a.pinFile().toString()
    };
  }

  @Test
  void withoutATerminalAMissingTokenIsNamedAndNothingIsWritten() throws Exception {
    Map<String, String> before = Cli.snapshot(repo);
    unplug(b);
    Cli.Result r = run(TokenPrompter.none(), signArgs()).fails(3);
    assertEquals(
        "error: token not present: "
            + display("kh-b", "ceremony-b")
            + " for key 'kh-b'; nothing was signed or written\n"
            + "hint: plug in every token, or run on a terminal: garage-hsm then asks for each"
            + " token in turn\n",
        r.err());
    assertEquals(before, Cli.snapshot(repo));
    unplug(a);
    Cli.Result both = run(TokenPrompter.none(), signArgs()).fails(3);
    assertTrue(
        both.err()
            .startsWith(
                "error: tokens not present: "
                    + display("kh-a", "ceremony-a")
                    + " for key 'kh-a', "
                    + display("kh-b", "ceremony-b")
                    + " for key 'kh-b'"),
        both.err());
    assertEquals(before, Cli.snapshot(repo));
  }

  @Test
  void onATerminalEachKeyholderIsAskedForTheirTokenInTurn() throws Exception {
    JsonNode v1 = Cli.readJson(repo.resolve("roles/root.json"));
    Path[] bOut = unplug(b);
    List<String> asked = new ArrayList<>();
    TokenPrompter keyholders =
        new TokenPrompter() {
          @Override
          public boolean interactive() {
            return true;
          }

          @Override
          public boolean await(String message) {
            asked.add(message);
            // keyholder A takes their token away, keyholder B plugs theirs in
            try {
              unplug(a);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            plugIn(bOut);
            return true;
          }
        };
    Cli.Result r = run(keyholders, signArgs()).ok();
    assertEquals(
        List.of(
            "insert token " + display("kh-b", "ceremony-b") + " for key 'kh-b', then press Enter "),
        asked);
    assertTrue(
        r.err()
            .contains(
                "signed with key 'root-old': new root: 0 of 2 signatures; previous root: 1 of 1\n"
                    + "signed with key 'kh-a': new root: 1 of 2 signatures; previous root: 1 of 1\n"
                    + "signed with key 'kh-b': new root: 2 of 2 signatures; previous root: 1 of 1\n"),
        r.err());
    JsonNode v2 = Cli.readJson(repo.resolve("roles/root.json"));
    AktualizrVerifier.Result v = AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed"));
    assertTrue(v.ok(), v.reason());
    // the transcript names the token of each signature
    List<String> lines = Files.readAllLines(repo.resolve("ceremony/transcript.jsonl"));
    JsonNode last = Cli.parse(lines.get(lines.size() - 1));
    ArrayNode sigs = (ArrayNode) last.get("signatures");
    assertEquals(3, sigs.size());
    assertEquals("file", sigs.get(0).get("kind").asText());
    assertEquals("ceremony-a", sigs.get(1).get("token").get("label").asText());
    assertEquals("ceremony-b", sigs.get(2).get("token").get("label").asText());
    assertEquals(serial("kh-b"), sigs.get(2).get("token").get("serial").asText());
    assertEquals(TestTokens.MODULE.toString(), sigs.get(2).get("token").get("module").asText());
    assertFalse(String.join("\n", lines).contains(TestTokens.USER_PIN));
  }

  @Test
  void aKeyholderWhoDoesNotAnswerLeavesNothingWritten() throws Exception {
    Map<String, String> before = Cli.snapshot(repo);
    unplug(b);
    TokenPrompter gone =
        new TokenPrompter() {
          @Override
          public boolean interactive() {
            return true;
          }

          @Override
          public boolean await(String message) {
            return false;
          }
        };
    Cli.Result r = run(gone, signArgs()).fails(3);
    assertTrue(
        r.err().contains("no answer while waiting for token " + display("kh-b", "ceremony-b")),
        r.err());
    Map<String, String> after = Cli.snapshot(repo);
    after.keySet().removeIf(k -> k.startsWith("ceremony"));
    assertEquals(before, after);
  }
}
