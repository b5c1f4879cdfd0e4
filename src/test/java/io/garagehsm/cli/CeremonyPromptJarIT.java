package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code root sign -k …} of the shaded jar on a real pseudo-terminal ({@code script} from
 * util-linux): with one keyholder's token absent it asks for it naming label and serial, the token
 * is "inserted" (its folder moved back into SoftHSM2's token directory), Enter is pressed, and the
 * signature lands with the threshold progress. Without a terminal the same run fails naming the
 * missing token, before any signature.
 */
class CeremonyPromptJarIT {
  static final Clock NOW = Cli.at("2026-11-26T07:00:00Z");
  @TempDir Path tmp;
  final List<Path[]> unplugged = new ArrayList<>();

  @AfterEach
  void plugEverythingBackIn() throws IOException {
    for (Path[] m : new ArrayList<>(unplugged)) {
      plugIn(m);
    }
  }

  @Test
  void onATerminalTheMissingTokenIsAskedForAndSignsAfterEnter() throws Exception {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    Path jar = Path.of(jarProp);
    TestToken a = TestTokens.create("pty-a");
    TestToken b = TestTokens.create("pty-b");
    Path home = tmp.resolve("home");
    Path repo = newRootOnTwoTokens(home, a, b);
    JsonNode v1 = Cli.readJson(repo.resolve("roles/root.json"));
    String serialB = Cli.readJson(repo.resolve("keys/kh-b.pkcs11")).path("token_serial").asText();
    assertFalse(serialB.isEmpty(), "key generate records the token's serial");
    String tokenB = "'pty-b' (serial " + serialB + ")";
    List<String> sign =
        List.of(
            "java",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            jar.toString(),
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
            a.pinFile().toString(),
            "--home-dir",
            home.toString());
    Path[] bOut = unplug(b);

    // no terminal: fails naming the token, nothing signed
    ProcessBuilder plain = new ProcessBuilder(sign).redirectInput(ProcessBuilder.Redirect.PIPE);
    plain.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    Process np = plain.start();
    np.getOutputStream().close();
    String npErr = new String(np.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(np.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, np.exitValue(), npErr);
    assertEquals(
        "error: token not present: "
            + tokenB
            + " for key 'kh-b'; nothing was signed or written\n"
            + "hint: plug in every token, or run on a terminal: garage-hsm then asks for each"
            + " token in turn\n",
        npErr);
    assertEquals(v1, Cli.readJson(repo.resolve("roles/root.json")));

    // a terminal: the prompt, the keyholder inserts the token and presses Enter
    StringBuilder cmd = new StringBuilder();
    for (String s : sign) {
      cmd.append(cmd.length() == 0 ? "" : " ").append('\'').append(s).append('\'');
    }
    ProcessBuilder pty =
        new ProcessBuilder("script", "-qfec", cmd.toString(), "/dev/null")
            .redirectErrorStream(true);
    pty.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    Process p = pty.start();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(p.getInputStream(), seen));
    reader.start();
    String prompt = "insert token " + tokenB + " for key 'kh-b', then press Enter ";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!text(seen).contains(prompt) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(text(seen).contains(prompt), text(seen));
    assertFalse(Files.exists(repo.resolve("roles/root.json.tmp")));
    plugIn(bOut);
    OutputStream keyboard = p.getOutputStream();
    keyboard.write('\n');
    keyboard.flush();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), text(seen));
    reader.join(10_000);
    keyboard.close();
    String out = text(seen).replace("\r\n", "\n");
    assertEquals(0, p.exitValue(), out);
    assertTrue(
        out.contains(
            "signed with key 'kh-a': new root: 1 of 2 signatures; previous root: 1 of 1\n"
                + prompt),
        out);
    assertTrue(
        out.contains(
            "signed with key 'kh-b': new root: 2 of 2 signatures; previous root: 1 of 1\n"),
        out);
    // the result line (issue 10): version, expiry, the keys and both thresholds, then the file
    assertTrue(out.contains("signed root.json v2, expires "), out);
    assertTrue(out.contains("; new root 2 of 2, previous root 1 of 1; saved to "), out);
    JsonNode v2 = Cli.readJson(repo.resolve("roles/root.json"));
    AktualizrVerifier.Result v = AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed"));
    assertTrue(v.ok(), v.reason());
    List<String> lines = Files.readAllLines(repo.resolve("ceremony/transcript.jsonl"));
    JsonNode last = Cli.parse(lines.get(lines.size() - 1)).get("signatures").get(2);
    assertEquals(serialB, last.get("token").get("serial").asText());
  }

  /** A repository whose unsigned root needs kh-a and kh-b (2 of 2), previous root root-old. */
  static Path newRootOnTwoTokens(Path home, TestToken a, TestToken b) throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path repo = home.resolve("myrepo");
    for (String k : new String[] {"root-old.pub", "root-old.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    for (Object[] kt : new Object[][] {{"kh-a", a}, {"kh-b", b}}) {
      TestToken t = (TestToken) kt[1];
      run(
          home,
          "key",
          "generate",
          "-r",
          "myrepo",
          "-n",
          (String) kt[0],
          "-t",
          "ed25519",
          "--token",
          t.uri().toString(),
          "--pin-file",
          t.pinFile().toString());
    }
    ObjectNode unsigned = (ObjectNode) Cli.readJson(repo.resolve("roles/root.json")).get("signed");
    Cli.write(repo.resolve("roles/unsigned/root.json"), unsigned.toString());
    run(home, "root", "key", "add", "-r", "myrepo", "-k", "kh-a", "-k", "kh-b");
    run(home, "root", "key", "remove", "-r", "myrepo", "-k", "root-old");
    ObjectNode u = (ObjectNode) Cli.readJson(repo.resolve("roles/unsigned/root.json"));
    ((ObjectNode) u.get("roles").get("root")).put("threshold", 2);
    Cli.write(repo.resolve("roles/unsigned/root.json"), u.toString());
    return repo;
  }

  static void run(Path home, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--home-dir");
    all.add(home.toString());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o =
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, Map.of(), NOW, TokenPrompter.none(), all.toArray(String[]::new));
    }
    assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
  }

  /** Takes the token out: moves its folder out of SoftHSM2's token directory. */
  Path[] unplug(TestToken t) throws IOException {
    Path tokens = TestTokens.dir().resolve("tokens");
    byte[] label = t.label().getBytes(StandardCharsets.US_ASCII);
    try (Stream<Path> s = Files.list(tokens)) {
      for (Path d : (Iterable<Path>) s::iterator) {
        Path obj = d.resolve("token.object");
        if (Files.isRegularFile(obj)
            && CeremonyTokensTest.contains(Files.readAllBytes(obj), label)) {
          Path[] m = {d, Files.createDirectories(tmp.resolve("away")).resolve(d.getFileName())};
          Files.move(m[0], m[1]);
          unplugged.add(m);
          return m;
        }
      }
    }
    throw new IllegalStateException("no token folder for " + t.label());
  }

  void plugIn(Path[] m) throws IOException {
    Files.move(m[1], m[0]);
    unplugged.remove(m);
  }

  static String text(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.toString(StandardCharsets.UTF_8);
    }
  }

  static void copy(InputStream in, ByteArrayOutputStream to) {
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (to) {
          to.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }
}
