package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.pkcs11.FakeModules;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor} on a real SoftHSM2 token and the test reposerver: a healthy repository, a missing
 * token, a file that is no PKCS#11 module, a key reference whose key ID does not match, --login,
 * and --json parsed field by field. Without --login no PIN is ever sent to the token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoctorCommandTest {
  @TempDir static Path tmp;
  TestToken token;
  TestReposerver server;
  Path home;
  final List<CliRun.Result> runs = new ArrayList<>();

  @BeforeAll
  void setUp() {
    token = TestTokens.create("doc-tok");
    server = TestReposerver.start();
    home = tmp.resolve("home");
    Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
    ok(run("init", "-r", "r", "-c", zip.toString()));
    ok(run("root", "pull", "-r", "r"));
    ok(run("targets", "pull", "-r", "r"));
    ok(run("key", "generate", "-r", "r", "-n", "tk", "--token", uri(), "--pin-file", pin()));
    ok(
        run(
            "key",
            "generate",
            "-r",
            "r",
            "-n",
            "tkrsa",
            "-t",
            "rsa",
            "--token",
            uri(),
            "--pin-file",
            pin()));
  }

  @AfterAll
  void tearDown() {
    server.close();
    for (CliRun.Result r : runs) {
      assertFalse(r.out().contains(TestTokens.USER_PIN), "PIN on stdout: " + r);
      assertFalse(r.err().contains(TestTokens.USER_PIN), "PIN on stderr: " + r);
    }
  }

  String uri() {
    return token.uri().toString();
  }

  String pin() {
    return token.pinFile().toString();
  }

  CliRun.Result run(String... args) {
    CliRun.Result r = new CliRun(home).run(args);
    runs.add(r);
    return r;
  }

  static CliRun.Result ok(CliRun.Result r) {
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  static List<String> lines(CliRun.Result r, String status) {
    return r.out().lines().filter(l -> l.startsWith(status + " ")).toList();
  }

  @Test
  void aHealthyRepositoryPassesEveryCheckWithoutALogin() throws Exception {
    // a WRONG PIN in the file: doctor only checks that it is readable, so nothing fails and the
    // token never sees it (SoftHSM2 would flag CKF_USER_PIN_COUNT_LOW after a wrong login)
    Path wrong = tmp.resolve("wrong.pin");
    Files.createFile(
        wrong, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(wrong, "0000-not-the-pin\n");
    CliRun.Result r = ok(run("doctor", "-r", "r", "--pin-file", wrong.toString()));
    assertEquals(List.of(), lines(r, "FAIL"), r.out());
    assertEquals(List.of(), lines(r, "WARN"), r.out());
    String out = r.out();
    assertTrue(out.contains("OK    module    " + TestTokens.MODULE + ": loads as a PKCS#11"), out);
    assertTrue(out.contains("OK    token     doc-tok: token 'doc-tok'"), out);
    String tkId = run("user-keys", "id", "-i", home.resolve("r/keys/tk.pub").toString()).out();
    assertTrue(out.contains("OK    key       tk: key 'tk'"), out);
    assertTrue(out.contains("with the recorded key ID " + tkId), out);
    assertTrue(out.contains("OK    mechanism tk: signs Ed25519 with CKM_EDDSA"), out);
    assertTrue(out.contains("OK    mechanism tkrsa: signs RSASSA-PSS via CKM_RSA_PKCS_PSS"), out);
    assertTrue(out.contains("OK    pin       tk: PIN from --pin-file " + wrong), out);
    assertTrue(out.contains("OK    server    " + server.url()), out);
    assertTrue(out.contains("OK    expiry    root: root.json v1 expires"), out);
    assertTrue(r.err().contains("doctor: "), r.err());
    assertTrue(r.err().contains(" 0 FAIL"), r.err());
    assertFalse(out.contains("login"), out);
    assertFalse(TestTokens.pkcs11ToolSlots(token).contains("count low"), "no login was made");
  }

  @Test
  void loginOpensEachPrivateKeyOnceLoggedIn() {
    CliRun.Result r = ok(run("doctor", "-r", "r", "--offline", "--login", "--pin-file", pin()));
    List<String> logins = r.out().lines().filter(l -> l.contains(" login ")).toList();
    assertEquals(2, logins.size(), r.out());
    for (String l : logins) {
      assertTrue(l.startsWith("OK    login     tk"), r.out());
      assertTrue(l.contains("the private key opens"), l);
    }
    assertFalse(r.out().contains("server "), "--offline asks no server: " + r.out());
  }

  @Test
  void jsonReportsEachCheckWithItsFields() {
    CliRun.Result r = ok(run("doctor", "-r", "r", "--pin-file", pin(), "--json"));
    JsonNode j = Cli.parse(r.out());
    assertEquals("r", j.get("repository").asText());
    assertTrue(j.get("ok").asBoolean());
    assertFalse(j.get("login").asBoolean());
    assertEquals(0, j.get("counts").get("FAIL").asInt());
    Set<String> kinds = new java.util.TreeSet<>();
    for (JsonNode c : j.get("checks")) {
      assertEquals(Set.of("check", "subject", "status", "message", "fix"), fields(c), c.toString());
      assertEquals("OK", c.get("status").asText(), c.toString());
      assertTrue(c.get("fix").isNull(), c.toString());
      kinds.add(c.get("check").asText());
    }
    assertEquals(Set.of("expiry", "key", "mechanism", "module", "pin", "server", "token"), kinds);
    assertEquals(j.get("counts").get("OK").asInt(), j.get("checks").size());
  }

  @Test
  void aMissingTokenFailsWithTheSoftHsmHint() throws Exception {
    Path copy = copyRepo("missing");
    rewriteReference(copy, "tk", "token=doc-tok", "token=not-plugged-in");
    CliRun.Result r = run("doctor", "-r", "missing", "--offline", "--pin-file", pin());
    assertEquals(1, r.exit(), r.toString());
    List<String> fails = lines(r, "FAIL");
    assertEquals(1, fails.size(), r.out());
    assertTrue(fails.get(0).contains("no initialised token matches"), r.out());
    assertTrue(fails.get(0).contains("not-plugged-in"), r.out());
    assertTrue(fails.get(0).startsWith("FAIL  token     not-plugged-in: "), r.out());
    assertTrue(fails.get(0).contains("'doc-tok' (serial "), r.out());
    assertTrue(r.out().contains("      fix: SOFTHSM2_CONF is not set"), r.out());
    // the other key, on the token that is there, is still checked
    assertTrue(r.out().contains("OK    key       tkrsa"), r.out());
    assertTrue(r.err().contains(" 1 FAIL"), r.err());
    // without a repository: the same for --token
    CliRun.Result t =
        run("doctor", "--token", "pkcs11:token=absent?module-path=" + TestTokens.MODULE);
    assertEquals(1, t.exit(), t.toString());
    assertTrue(t.out().contains("FAIL  token"), t.out());
  }

  @Test
  void aFileThatIsNoPkcs11ModuleFails() {
    Path notModule =
        FakeModules.withoutFunctionList(tmp.resolve("fake"), tmp.resolve("fake/loaded.marker"));
    CliRun.Result r = run("doctor", "--module", notModule.toString());
    assertEquals(1, r.exit(), r.toString());
    List<String> fails = lines(r, "FAIL");
    assertEquals(1, fails.size(), r.out());
    assertTrue(fails.get(0).startsWith("FAIL  module"), r.out());
    assertTrue(fails.get(0).contains("is not a PKCS#11 module"), r.out());
    assertFalse(Files.exists(tmp.resolve("fake/loaded.marker")), "never loaded");
  }

  @Test
  void aReferenceSelectingAnotherKeyFailsWithBothKeyIds() throws Exception {
    Path copy = copyRepo("mismatch");
    rewriteReference(copy, "tk", "object=tk;", "object=tkrsa;");
    String ref = Files.readString(copy.resolve("keys/tk.pkcs11"));
    // drop the id too, so that the label alone selects the RSA key
    Files.writeString(copy.resolve("keys/tk.pkcs11"), ref.replaceAll(";id=[^?\"]*", ""));
    CliRun.Result r = run("doctor", "-r", "mismatch", "--offline", "--pin-file", pin());
    assertEquals(1, r.exit(), r.toString());
    String recorded = Cli.readJson(copy.resolve("keys/tk.pkcs11")).get("keyid").asText();
    String rsa = run("user-keys", "id", "-i", copy.resolve("keys/tkrsa.pub").toString()).out();
    List<String> fails = lines(r, "FAIL");
    assertTrue(fails.stream().anyMatch(l -> l.startsWith("FAIL  key       tk:")), r.out());
    String line = fails.stream().filter(l -> l.startsWith("FAIL  key")).findFirst().orElseThrow();
    assertTrue(line.contains("has key ID " + rsa), line);
    assertTrue(line.contains("records " + recorded), line);
    assertTrue(r.out().contains("fix: the URI selects another key"), r.out());
  }

  @Test
  void anUnreadablePinSourceFailsWithoutAnyLogin() {
    Path missing = tmp.resolve("no-such.pin");
    CliRun.Result r = run("doctor", "-r", "r", "--offline", "--pin-file", missing.toString());
    assertEquals(1, r.exit(), r.toString());
    List<String> fails = lines(r, "FAIL");
    assertEquals(2, fails.size(), r.out()); // one per token key
    assertTrue(fails.get(0).startsWith("FAIL  pin       tk"), r.out());
    assertTrue(
        fails.get(0).contains("--pin-file " + missing + ": the file does not exist"), r.out());
    CliRun.Result env = run("doctor", "-r", "r", "--offline", "--pin-env", "DOCTOR_UNSET_PIN");
    assertEquals(1, env.exit(), env.toString());
    assertTrue(env.out().contains("the variable is unset or empty"), env.out());
  }

  @Test
  void aRepositoryOfFileKeysNeedsNoModule() {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("filekeys"));
    CliRun.Result r =
        run("doctor", "-r", "filekeys", "--offline", "--module", "/nonexistent/libnothing.so");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("OK    key       filekeys: no token keys"), r.out());
    assertFalse(r.out().contains("module"), r.out());
  }

  @Test
  void anUnreachableServerFails() throws Exception {
    Path copy = copyRepo("noserver");
    Path config = copy.resolve("config.json");
    Files.writeString(
        config, Files.readString(config).replace(server.url(), "http://127.0.0.1:" + freePort()));
    CliRun.Result r = run("doctor", "-r", "noserver", "--pin-file", pin());
    assertEquals(1, r.exit(), r.toString());
    assertTrue(lines(r, "FAIL").get(0).startsWith("FAIL  server"), r.out());
  }

  /**
   * A server that refuses the credentials (401: wrong, expired or revoked; 403: valid but not
   * allowed) gives one FAIL line naming which credentials and the fix for that kind, exit 1, and
   * the same in --json. 401 and 403 are what an OTA Connect gateway answers; the test reposerver
   * gives the 401 of a real OAuth2 token endpoint for a wrong secret, and injects the others.
   */
  @Test
  void aServerRefusingTheCredentialsFailsNamingThemAndTheFix() {
    // no auth in config.json, and the server wants some (401 on GET root.json)
    server.inject(r -> r.path().endsWith("root.json"), TestReposerver.Fault.status(401), 10);
    CliRun.Result none;
    try {
      none = run("doctor", "-r", "r", "--pin-file", pin());
    } finally {
      server.clearFaults();
    }
    assertEquals(1, none.exit(), none.toString());
    List<String> fails = lines(none, "FAIL");
    assertEquals(1, fails.size(), none.out());
    assertTrue(fails.get(0).startsWith("FAIL  server    " + server.url()), none.out());
    assertTrue(
        fails.get(0).contains("the server refuses requests without credentials (no auth in "),
        none.out());
    assertTrue(fails.get(0).contains("(they are wrong, expired or revoked)"), none.out());
    assertTrue(fails.get(0).contains("HTTP 401"), none.out());
    assertTrue(
        none.out().contains("      fix: the server needs credentials: 'init' a repository from"),
        none.out());
    assertTrue(none.out().contains("'import-client-cert -r r -c <p12>'"), none.out());
    assertTrue(none.err().contains(" 1 FAIL"), none.err());

    try (TestReposerver oauth = TestReposerver.start().requireOAuth("cid", "revoked")) {
      ObjectNode auth = MetadataJson.object();
      auth.put("server", oauth.url() + "/auth");
      auth.put("client_id", "cid");
      auth.put("client_secret", "s3cret");
      Repository repo = TestRepos.create(home, "oauth", oauth, auth, false);
      // the token endpoint refuses the client secret: 401 before any API call
      CliRun.Result wrong = run("doctor", "-r", "oauth", "--json");
      assertEquals(1, wrong.exit(), wrong.toString());
      JsonNode j = Cli.parse(wrong.out());
      assertFalse(j.get("ok").asBoolean(), wrong.out());
      assertEquals(1, j.at("/counts/FAIL").asInt(), wrong.out());
      JsonNode c = failed(j);
      assertEquals("server", c.get("check").asText());
      assertEquals(oauth.url(), c.get("subject").asText());
      String m = c.get("message").asText();
      assertTrue(
          m.startsWith(
              "the server refuses the OAuth2 client 'cid' (token from "
                  + oauth.url()
                  + "/auth, "
                  + repo.configFile()
                  + ") (they are wrong, expired or revoked): "),
          m);
      assertTrue(m.contains("HTTP 401"), m);
      assertTrue(
          c.get("fix").asText().startsWith("get a current credentials.zip for the account"),
          c.toString());
      assertSecretNeverShown(wrong);

      // the right secret, but the account may not use this repository: 403
      oauth.requireOAuth("cid", "s3cret");
      oauth.inject(r -> r.path().endsWith("root.json"), TestReposerver.Fault.status(403), 10);
      CliRun.Result forbidden = run("doctor", "-r", "oauth", "--json");
      assertEquals(1, forbidden.exit(), forbidden.toString());
      assertSecretNeverShown(forbidden);
      JsonNode f = failed(Cli.parse(forbidden.out()));
      assertTrue(
          f.get("message")
              .asText()
              .contains(
                  "the server refuses the OAuth2 client 'cid' (token from "
                      + oauth.url()
                      + "/auth, "),
          f.toString());
      assertTrue(
          f.get("message").asText().contains("(they are valid but not allowed to use this"),
          f.toString());
      assertTrue(f.get("message").asText().contains("HTTP 403"), f.toString());
      assertTrue(
          f.get("fix")
              .asText()
              .startsWith("use the credentials of the account that owns this repository: "),
          f.toString());
      // the plain report: the same FAIL line with its fix
      oauth.inject(r -> r.path().endsWith("root.json"), TestReposerver.Fault.status(403), 10);
      CliRun.Result plain = run("doctor", "-r", "oauth");
      assertEquals(1, plain.exit(), plain.toString());
      assertSecretNeverShown(plain);
      assertTrue(
          lines(plain, "FAIL").get(0).startsWith("FAIL  server    " + oauth.url() + ": "),
          plain.out());
      assertTrue(
          plain.out().contains("      fix: use the credentials of the account"), plain.out());
    }
  }

  /** The OAuth2 client secret of the refusal tests appears on neither stream. */
  private static void assertSecretNeverShown(CliRun.Result r) {
    assertFalse(r.out().contains("s3cret"), "the client secret is never shown: " + r.out());
    assertFalse(r.err().contains("s3cret"), "the client secret is never shown: " + r.err());
  }

  /** The one FAIL check of a --json report. */
  private static JsonNode failed(JsonNode report) {
    List<JsonNode> fails = new ArrayList<>();
    report
        .get("checks")
        .forEach(
            c -> {
              if (c.get("status").asText().equals("FAIL")) {
                fails.add(c);
              }
            });
    assertEquals(1, fails.size(), report.toString());
    return fails.get(0);
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Set<String> fields(JsonNode n) {
    Set<String> s = new java.util.TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  private Path copyRepo(String name) throws IOException {
    Path src = home.resolve("r");
    Path dst = home.resolve(name);
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dst;
  }

  private static void rewriteReference(Path repo, String key, String from, String to)
      throws IOException {
    Path f = repo.resolve("keys/" + key + ".pkcs11");
    String s = Files.readString(f, StandardCharsets.UTF_8);
    assertTrue(s.contains(from), s);
    Files.writeString(f, s.replace(from, to), StandardCharsets.UTF_8);
  }
}
