package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.remote.CliProcess;
import io.garagehsm.remote.LoggingShim;
import io.garagehsm.remote.P11KitServer;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The seed procedure and the signing commands with every key on a SoftHSM2 token exported by a real
 * {@code p11-kit server} and reached through p11-kit's client module, as a CI job reaches a
 * networked HSM: init, pull, RSA key generation on the remote token, move-offline, targets add
 * (manifest) + sign + push, root sign with two remote keys + push, export-credentials and a second
 * repository signing with the exported token reference. Each run is its own JVM (a CI step); the
 * logging shim between garage-hsm and the client module shows at most one C_Login per run. The PIN
 * comes from a CI-style secret variable through {@code --pin-env}. Subclasses choose how the client
 * reaches the server (a Unix socket, or TCP with latency).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RemoteTokenProcedureBase {
  static final String REPO = "ci";
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";

  Path dir;
  TestToken token;
  P11KitServer p11kit;
  LoggingShim shim;
  TestReposerver server;
  CliProcess cli;
  String tokenUri;
  String address;
  final List<CliProcess.Result> runs = new ArrayList<>();

  /** A short folder name for this variant (socket paths must stay under 108 bytes). */
  abstract String variant();

  /** The P11_KIT_SERVER_ADDRESS the client uses, after the server is up. */
  abstract String clientAddress();

  /** Called after every run, e.g. to check latency. */
  void afterRun(CliProcess.Result r, long nanos) {}

  void stopTransport() {}

  @BeforeAll
  void startRig() throws Exception {
    dir = Path.of("target", "remote", variant()).toAbsolutePath();
    deleteTree(dir);
    Files.createDirectories(dir);
    token = TestTokens.create("net-" + variant());
    p11kit = P11KitServer.start(dir.resolve("srv"), token.label());
    shim = LoggingShim.build(dir.resolve("shim"));
    server = TestReposerver.start();
    address = clientAddress();
    cli =
        new CliProcess(dir.resolve("home"), dir.resolve("runs"))
            .env("P11_KIT_SERVER_ADDRESS", address)
            .env("GARAGE_SHIM_TARGET", P11KitServer.CLIENT_MODULE.toString())
            .env("XDG_RUNTIME_DIR", dir.resolve("client-runtime").toString())
            .env("CI_TOKEN_PIN", TestTokens.USER_PIN);
    Files.createDirectories(dir.resolve("client-runtime"));
    tokenUri = "pkcs11:token=" + token.label() + "?module-path=" + shim.library();
    Path zip = server.writeCredentialsZip(dir.resolve("credentials.zip"));
    ok("init", "-r", REPO, "-c", zip.toString());
    ok("targets", "pull", "-r", REPO);
  }

  @AfterAll
  void stopRig() {
    stopTransport();
    if (p11kit != null) {
      p11kit.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void rsaKeysAreGeneratedOnTheRemoteToken() {
    for (String k : List.of("newroot", "newtargets", "root2")) {
      CliProcess.Result r =
          ok(
              "key",
              "generate",
              "-r",
              REPO,
              "-n",
              k,
              "-t",
              "rsa",
              "--keysize",
              "2048",
              "--token",
              tokenUri,
              "--pin-env",
              "CI_TOKEN_PIN");
      assertTrue(r.err().contains("Generated RSA-2048 key '" + k + "' on the token"), r.err());
      assertEquals(1, r.calls().calls("C_GenerateKeyPair", "0x0"), r::toString);
      Path keys = dir.resolve("home").resolve(REPO).resolve("keys");
      assertTrue(Files.exists(keys.resolve(k + ".pub")));
      assertFalse(Files.exists(keys.resolve(k + ".sec")));
      assertTrue(
          Cli.readJson(keys.resolve(k + ".pkcs11"))
              .get("uri")
              .asText()
              .contains("module-path=" + shim.library()));
    }
  }

  @Test
  @Order(2)
  void moveOfflineSignsTheNewRootWithTheRemoteKey() {
    String oldId = server.rootKey.publicKey().keyId();
    CliProcess.Result r =
        ok(
            "move-offline",
            "-r",
            REPO,
            "--new-root",
            "newroot",
            "--new-targets",
            "newtargets",
            "--old-root-alias",
            "origroot",
            "--pin-env",
            "CI_TOKEN_PIN");
    assertTrue(r.calls().calls("C_Sign", "0x0") >= 1, r::toString);
    assertEquals(2, server.rootVersion());
    assertFalse(server.holdsPrivateKey(oldId));
    JsonNode v1 = TokenLifecycleE2ETest.fetch(server, "1.root.json");
    JsonNode v2 = TokenLifecycleE2ETest.fetch(server, "2.root.json");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed")));
    assertTrue(TokenLifecycleE2ETest.signers(v2).contains(keyId("newroot")));
  }

  @Test
  @Order(3)
  void manifestTargetsAreSignedWithTheRemoteKeyAndPushed() throws Exception {
    Path manifest = dir.resolve("targets.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      lines.append(
          "{\"name\":\"fw\",\"version\":\"1."
              + i
              + "\",\"length\":32,\"sha256\":\""
              + SHA
              + "\",\"hardwareids\":[\"board-a\"]}\n");
    }
    Files.writeString(manifest, lines.toString());
    ok("targets", "add", "-r", REPO, "--manifest", manifest.toString());
    CliProcess.Result sign =
        ok("targets", "sign", "-r", REPO, "--key-name", "newtargets", "--pin-env", "CI_TOKEN_PIN");
    assertEquals(1, sign.calls().calls("C_Sign", "0x0"), sign::toString);
    // the token's mechanisms are read once (size, then list), to choose the key's PSS path; not
    // again for every slot just to learn the token's serial (round trips to a remote token)
    assertTrue(sign.calls().calls("C_GetMechanismList") <= 2, sign::toString);
    ok("targets", "push", "-r", REPO);
    JsonNode t = server.targets().toJson();
    assertEquals(Set.of("fw-1.1", "fw-1.2", "fw-1.3"), fieldNames(t.get("signed").get("targets")));
    JsonNode root = TokenLifecycleE2ETest.fetch(server, "root.json").get("signed");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyTargets(t, root));
    assertEquals(Set.of(keyId("newtargets")), TokenLifecycleE2ETest.signers(t));
  }

  @Test
  @Order(4)
  void rootSignWithTwoRemoteKeysLogsInOnce() {
    ok("root", "key", "add", "-r", REPO, "-k", "root2");
    CliProcess.Result r =
        ok("root", "sign", "-r", REPO, "-k", "newroot", "-k", "root2", "--pin-env", "CI_TOKEN_PIN");
    assertEquals(2, r.calls().calls("C_Sign", "0x0"), r::toString);
    assertEquals(1, r.calls().calls("C_Login"), "one login for two keys on one token\n" + r);
    ok("root", "push", "-r", REPO);
    assertEquals(3, server.rootVersion());
    JsonNode v2 = TokenLifecycleE2ETest.fetch(server, "2.root.json");
    JsonNode v3 = TokenLifecycleE2ETest.fetch(server, "3.root.json");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyRootUpdate(v3, v2.get("signed")));
    assertEquals(Set.of(keyId("newroot"), keyId("root2")), TokenLifecycleE2ETest.signers(v3));
  }

  @Test
  @Order(5)
  void exportedCredentialsSignOnASecondMachine() throws Exception {
    Path zip = dir.resolve("export.zip");
    ok("export-credentials", "-r", REPO, "-k", "newtargets", "-o", zip.toString());
    CliProcess second =
        new CliProcess(dir.resolve("home2"), dir.resolve("runs2"))
            .env("P11_KIT_SERVER_ADDRESS", address)
            .env("GARAGE_SHIM_TARGET", P11KitServer.CLIENT_MODULE.toString())
            .env("CI_TOKEN_PIN", TestTokens.USER_PIN);
    check(second.run("init", "-r", "build", "-c", zip.toString()));
    check(second.run("targets", "pull", "-r", "build"));
    // the CI recipe (hsm-config/network-hsm/ci-recipe.md): the manifest on standard input
    check(
        second.runWithInput(
            "[{\"name\":\"fw\",\"version\":\"2.0\",\"length\":32,\"sha256\":\""
                + SHA
                + "\",\"hardwareids\":\"board-b\"}]",
            "targets",
            "add",
            "-r",
            "build",
            "--manifest",
            "-"));
    check(
        second.run(
            "targets",
            "sign",
            "-r",
            "build",
            "--key-name",
            "targets",
            "--pin-env",
            "CI_TOKEN_PIN"));
    check(second.run("targets", "push", "-r", "build"));
    JsonNode t = server.targets().toJson();
    assertTrue(t.get("signed").get("targets").has("fw-2.0"));
    JsonNode root = TokenLifecycleE2ETest.fetch(server, "root.json").get("signed");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyTargets(t, root));
  }

  @Test
  @Order(6)
  void everyRunLoggedInAtMostOnceAndThePinNeverShowed() {
    assertTrue(runs.size() >= 10, "runs " + runs.size());
    for (CliProcess.Result r : runs) {
      assertTrue(r.calls().calls("C_Login") <= 1, () -> "more than one C_Login in a run:\n" + r);
      assertFalse(r.out().contains(TestTokens.USER_PIN), "PIN on stdout");
      assertFalse(r.err().contains(TestTokens.USER_PIN), "PIN on stderr");
    }
  }

  // ---- helpers ----

  CliProcess.Result ok(String... args) {
    long start = System.nanoTime();
    CliProcess.Result r = cli.run(args);
    afterRun(r, System.nanoTime() - start);
    return check(r);
  }

  CliProcess.Result check(CliProcess.Result r) {
    runs.add(r);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  String keyId(String name) {
    Path pub = dir.resolve("home").resolve(REPO).resolve("keys").resolve(name + ".pub");
    return cli.run("user-keys", "id", "-i", pub.toString()).out().strip();
  }

  static Set<String> fieldNames(JsonNode n) {
    Set<String> names = new java.util.TreeSet<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  static String read(Path p) throws java.io.IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
