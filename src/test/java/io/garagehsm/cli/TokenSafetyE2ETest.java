package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token keys through the CLI when things go wrong: PINs (wrong, missing, from every source, never
 * printed or written), tampered references, missing or ambiguous tokens, refused key generation,
 * and {@code tokens list} without login. One token and one Ed25519 and one RSA key for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenSafetyE2ETest {
  static final String WRONG_PIN = "9999-wrong-pin-0000";

  @TempDir static Path tmp;

  TestToken token;
  Path home;
  final List<CliRun.Result> runs = new ArrayList<>();

  @BeforeAll
  void setUp() {
    token = TestTokens.create("e2e-safe");
    home = tmp.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("other"));
    ok(withPin("key", "generate", "-r", "myrepo", "-n", "tk", "--token", tokenUri()));
    ok(
        withPin(
            "key", "generate", "-r", "myrepo", "-n", "tkrsa", "-t", "rsa", "--token", tokenUri()));
  }

  @AfterAll
  void nothingLeaked() throws Exception {
    // the PIN (right or wrong) never reaches a stream or a file
    for (CliRun.Result r : runs) {
      for (String pin : List.of(TestTokens.USER_PIN, WRONG_PIN)) {
        assertFalse(r.out().contains(pin), "PIN on stdout: " + r);
        assertFalse(r.err().contains(pin), "PIN on stderr: " + r);
      }
    }
    try (Stream<Path> s = Files.walk(home)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(TestTokens.USER_PIN), "PIN in " + f);
      }
    }
  }

  // ---- PINs ----

  @Test
  void wrongPinFailsWithAPinMessageAndTheTokenStaysUsable() throws Exception {
    Path wrong = tmp.resolve("wrong.pin");
    Files.createFile(
        wrong, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(wrong, WRONG_PIN + "\n");
    Map<String, String> before = Cli.snapshot(home);
    for (boolean debug : List.of(false, true)) {
      List<String> a =
          new ArrayList<>(
              List.of("targets", "sign", "-r", "myrepo", "--key-name", "tk", "--pin-file"));
      a.add(wrong.toString());
      if (debug) {
        a.add("--debug");
        // the same unchanged wrong source failed in the run before: try again only on request
        a.add("--retry-pin");
      }
      CliRun.Result r = run(new CliRun(home), a.toArray(String[]::new));
      assertEquals(3, r.exit(), r.toString());
      assertFalse(r.err().contains("warning: warning:"), r.err());
      // after the first wrong PIN, SoftHSM2 flags CKF_USER_PIN_COUNT_LOW: a warning comes first
      List<String> lines =
          r.err().lines().filter(l -> !l.startsWith("warning: ")).limit(2).toList();
      assertTrue(lines.get(0).startsWith("error: "), r.err());
      assertTrue(lines.get(0).contains("PIN"), r.err());
      assertTrue(lines.get(0).contains("CKR_PIN_INCORRECT"), r.err());
      assertTrue(lines.get(1).startsWith("hint: "), r.err());
      if (!debug) {
        assertEquals(2, r.err().lines().filter(l -> !l.startsWith("warning: ")).count(), r.err());
      } else {
        assertTrue(r.err().contains("\tat "), "--debug prints the stack trace: " + r.err());
        // the second attempt: the token now reports failed attempts, and the user is told first
        assertTrue(
            r.err().startsWith("warning: ") && r.err().contains("CKF_USER_PIN_COUNT_LOW"), r.err());
      }
    }
    assertEquals(before, Cli.snapshot(home), "nothing written");
    // not locked: the right PIN works at once
    sign("tk", run(withPin("targets", "sign", "-r", "myrepo", "--key-name", "tk")));
  }

  @Test
  void pinFromEnvVariableFromGarageHsmPinAndFromTheUriPinSource() throws Exception {
    CliRun byEnv = new CliRun(home).env("MY_TOKEN_PIN", TestTokens.USER_PIN);
    sign(
        "tk",
        ok(
            run(
                byEnv,
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--key-name",
                "tk",
                "--pin-env",
                "MY_TOKEN_PIN")));
    CliRun byDefault = new CliRun(home).env("GARAGE_HSM_PIN", TestTokens.USER_PIN);
    // --debug on a success path too: the PIN is printed nowhere (checked for every run)
    sign(
        "tk", ok(run(byDefault, "targets", "sign", "-r", "myrepo", "--key-name", "tk", "--debug")));

    CliRun.Result unset =
        run(
            new CliRun(home),
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--key-name",
            "tk",
            "--pin-env",
            "NO_SUCH_PIN_VAR");
    assertNotEquals(0, unset.exit(), unset.toString());
    assertTrue(unset.err().contains("NO_SUCH_PIN_VAR"), unset.err());

    // pin-source in the key URI (RFC 7512) names a PIN file
    Path ref = home.resolve("myrepo/keys/tk.pkcs11");
    String original = Files.readString(ref);
    try {
      ObjectNode j = (ObjectNode) Cli.parse(original);
      j.put("uri", j.get("uri").asText() + "&pin-source=" + token.pinFile().toUri());
      Files.writeString(ref, j.toString());
      sign("tk", ok(run(new CliRun(home), "targets", "sign", "-r", "myrepo", "--key-name", "tk")));
    } finally {
      Files.writeString(ref, original);
    }
  }

  @Test
  void noPinSourceAndNoConsoleIsOneLineNamingTheOptions() {
    Map<String, String> before = Cli.snapshot(home);
    CliRun.Result r = run(new CliRun(home), "targets", "sign", "-r", "myrepo", "--key-name", "tk");
    assertNotEquals(0, r.exit(), r.toString());
    // a warning about earlier wrong PINs (CKF_USER_PIN_COUNT_LOW) may come first
    List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String option : List.of("--pin-file", "--pin-env", "GARAGE_HSM_PIN")) {
      assertTrue(errors.get(0).contains(option), option + " not named: " + r.err());
    }
    assertEquals(
        List.of(),
        r.err().lines().filter(l -> !l.matches("(error|hint|warning): .*")).toList(),
        r.err());
    assertFalse(r.err().contains("warning: warning:"), r.err());
    assertEquals(before, Cli.snapshot(home));
  }

  @Test
  void aPinValueInAUriIsRefusedAndNotEchoed() throws Exception {
    Map<String, String> before = Cli.snapshot(home);
    String uri = token.uri() + "&pin-value=" + TestTokens.USER_PIN;
    CliRun.Result r =
        run(new CliRun(home), "key", "generate", "-r", "myrepo", "-n", "pv", "--token", uri);
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("pin-value"), r.err());
    CliRun.Result s =
        run(
            new CliRun(home),
            "sign-json",
            "-k",
            "pkcs11:token=e2e-safe;object=tk;pin-value=" + TestTokens.USER_PIN,
            "-p",
            home.resolve("myrepo/keys/tk.pub").toString(),
            "-i",
            home.resolve("myrepo/roles/unsigned/targets.json").toString(),
            "--debug");
    assertNotEquals(0, s.exit(), s.toString());
    assertTrue(s.err().contains("pin-value"), s.err());
    assertEquals(before, Cli.snapshot(home));
  }

  // ---- wrong key, tampering ----

  @Test
  void aReferenceToAnotherTokenKeyIsRefusedNamingBothKeyIds() throws Exception {
    Path keys = home.resolve("myrepo/keys");
    String tkId = Cli.readJson(keys.resolve("tk.pkcs11")).get("keyid").asText();
    String rsaId = Cli.readJson(keys.resolve("tkrsa.pkcs11")).get("keyid").asText();
    String rsaUri = Cli.readJson(keys.resolve("tkrsa.pkcs11")).get("uri").asText();
    Path ref = keys.resolve("tk.pkcs11");
    String original = Files.readString(ref);
    try {
      // (a) the URI now selects the RSA key while tk.pub and the recorded ID are the Ed25519 key
      ObjectNode j = (ObjectNode) Cli.parse(original);
      j.put("uri", rsaUri);
      Files.writeString(ref, j.toString());
      Map<String, String> before = Cli.snapshot(home);
      CliRun.Result r = run(withPin("targets", "sign", "-r", "myrepo", "--key-name", "tk"));
      assertEquals(3, r.exit(), r.toString());
      assertTrue(r.err().contains(tkId) && r.err().contains(rsaId), r.err());
      assertTrue(r.err().contains("hint: "), r.err());
      assertEquals(before, Cli.snapshot(home), "refused before signing");

      // (b) the recorded key ID disagrees with tk.pub
      j = (ObjectNode) Cli.parse(original);
      j.put("keyid", rsaId);
      Files.writeString(ref, j.toString());
      before = Cli.snapshot(home);
      r = run(withPin("targets", "sign", "-r", "myrepo", "--key-name", "tk"));
      assertEquals(3, r.exit(), r.toString());
      assertTrue(r.err().contains(tkId) && r.err().contains(rsaId), r.err());
      assertEquals(before, Cli.snapshot(home));
    } finally {
      Files.writeString(ref, original);
    }
  }

  @Test
  void aMissingTokenListsWhatWasFoundAndTwoTokensOfOneLabelAreAmbiguous() {
    Map<String, String> before = Cli.snapshot(home);
    CliRun.Result r =
        run(
            withPin(
                "key",
                "generate",
                "-r",
                "myrepo",
                "-n",
                "nowhere",
                "--token",
                TestTokens.create("e2e-found").uri().with("token", "e2e-absent").toString()));
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("e2e-absent"), r.err());
    assertTrue(r.err().contains("e2e-found"), "lists the tokens found: " + r.err());
    assertEquals(before, Cli.snapshot(home));

    TestToken a = TestTokens.create("e2e-twin");
    TestTokens.createAnother("e2e-twin");
    r =
        run(
            withPin(
                "key", "generate", "-r", "myrepo", "-n", "twin", "--token", a.uri().toString()));
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("e2e-twin"), r.err());
    assertTrue(r.err().contains("serial"), "names the serials to choose from: " + r.err());
    assertEquals(before, Cli.snapshot(home));
  }

  @Test
  void generateRefusesAnExistingLabelAndABadSize() {
    Map<String, String> before = Cli.snapshot(home);
    // 'tk' exists on the token (made for repository myrepo); repository 'other' has no such file
    CliRun.Result r =
        run(withPin("key", "generate", "-r", "other", "-n", "tk", "--token", tokenUri()));
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("tk"), r.err());
    assertTrue(r.err().contains("hint: "), r.err());
    assertEquals(before, Cli.snapshot(home), "nothing written");

    r =
        run(
            withPin(
                "key",
                "generate",
                "-r",
                "other",
                "-n",
                "small",
                "-t",
                "rsa",
                "--keysize",
                "1024",
                "--token",
                tokenUri()));
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("1024"), r.err());
    assertEquals(before, Cli.snapshot(home));
    assertFalse(TestTokens.pkcs11Tool(token, "-O").contains("label:      small"));
  }

  // ---- tokens list ----

  @Test
  void tokensListShowsTokenMechanismsAndKeysWithoutLoggingIn() throws Exception {
    CliRun noPin = new CliRun(home); // no PIN source at all: a login would fail
    CliRun.Result text = ok(run(noPin, "tokens", "list", "--token", tokenUri()));
    CliRun.Result json = ok(run(noPin, "tokens", "list", "--token", tokenUri(), "--json"));
    JsonNode t = Cli.parse(json.out()).get("tokens");
    assertEquals(1, t.size(), json.out());
    JsonNode tok = t.get(0);
    assertEquals("e2e-safe", tok.get("label").asText());
    String serial = tok.get("serial").asText();
    assertFalse(serial.isBlank());
    assertTrue(slotList().contains("serial num         : " + serial), "serial " + serial);
    assertEquals("ok", tok.get("pinState").asText());
    List<String> mechs = new ArrayList<>();
    tok.get("mechanisms").forEach(m -> mechs.add(m.get("name").asText()));
    assertTrue(mechs.contains("CKM_RSA_PKCS_PSS"), mechs.toString());
    assertTrue(mechs.contains("CKM_EDDSA"), mechs.toString());
    for (String k : List.of("tk", "tkrsa")) {
      JsonNode found = null;
      for (JsonNode key : tok.get("keys")) {
        if (key.get("label").asText().equals(k)) {
          found = key;
        }
      }
      assertTrue(found != null, k + " not listed: " + json.out());
      String id =
          ok(run(noPin, "user-keys", "id", "-i", home.resolve("myrepo/keys/" + k + ".pub") + ""))
              .out();
      assertEquals(id, found.get("keyid").asText(), k);
      // the listed URI names the same token and object (label and CKA_ID) as the reference
      String ref = Cli.readJson(home.resolve("myrepo/keys/" + k + ".pkcs11")).get("uri").asText();
      String objectAndId = ref.substring(ref.indexOf(";object="), ref.indexOf('?'));
      String listed = found.get("uri").asText();
      assertTrue(listed.startsWith("pkcs11:token=e2e-safe;"), listed);
      assertTrue(listed.contains(objectAndId + "?"), listed + " vs " + ref);
      assertTrue(text.out().contains("keyid: " + id), text.out());
      assertTrue(text.out().contains(found.get("uri").asText()), text.out());
    }
    assertTrue(text.out().contains("token 'e2e-safe'"), text.out());
    assertTrue(text.out().contains(serial), text.out());
    assertTrue(text.out().contains("CKM_RSA_PKCS_PSS"), text.out());
    assertTrue(text.out().contains("CKM_EDDSA"), text.out());
  }

  // ---- keys that demand a login per signature ----

  @Test
  void alwaysAuthenticateKeysGetAContextSpecificLoginForEverySignature() throws Exception {
    // SoftHSM2 enforces CKA_ALWAYS_AUTHENTICATE: C_Sign without a CKU_CONTEXT_SPECIFIC login
    // after C_SignInit fails with CKR_USER_NOT_LOGGED_IN.
    for (String type : List.of("EC:edwards25519", "rsa:2048")) {
      String label = type.startsWith("EC") ? "aa-ed" : "aa-rsa";
      TestTokens.pkcs11Tool(
          token, "--keypairgen", "--key-type", type, "--label", label, "--always-auth");
      assertTrue(
          TestTokens.pkcs11Tool(token, "-O").contains("always authenticate"),
          "the key really is always-authenticate");
      ok("key", "adopt", "-r", "myrepo", "-n", label, "--uri", token.keyUri(label).toString());
      sign(label, run(withPin("targets", "sign", "-r", "myrepo", "--key-name", label)));
    }
  }

  // ---- helpers ----

  /** {@code pkcs11-tool -L}: the slots and their token serials, as another tool sees them. */
  private static String slotList() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("pkcs11-tool", "--module", TestTokens.MODULE.toString(), "-L")
            .redirectErrorStream(true);
    pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /** Signs with the key, checks the written targets.json carries a valid signature by it. */
  private void sign(String key, CliRun.Result r) {
    ok(r);
    JsonNode t = Cli.readJson(home.resolve("myrepo/roles/targets.json"));
    JsonNode pub = Cli.readJson(home.resolve("myrepo/keys/" + key + ".pub"));
    String id = Cli.readJson(home.resolve("myrepo/keys/" + key + ".pkcs11")).get("keyid").asText();
    assertEquals(id, t.get("signatures").get(0).get("keyid").asText());
    ObjectNode root = Cli.JSON.createObjectNode();
    root.putObject("keys").set(id, pub);
    ObjectNode role = root.putObject("roles").putObject("targets");
    role.putArray("keyids").add(id);
    role.put("threshold", 1);
    AktualizrVerifier.Result v = AktualizrVerifier.verifyTargets(t, root);
    assertTrue(v.ok(), v.reason());
  }

  private String tokenUri() {
    return token.uri().toString();
  }

  private String[] withPin(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--pin-file");
    a.add(token.pinFile().toString());
    return a.toArray(String[]::new);
  }

  private CliRun.Result run(String... args) {
    return run(new CliRun(home), args);
  }

  private CliRun.Result run(CliRun cli, String... args) {
    CliRun.Result r = cli.run(args);
    runs.add(r);
    return r;
  }

  private static CliRun.Result ok(CliRun.Result r) {
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  private CliRun.Result ok(String... args) {
    return ok(run(args));
  }
}
