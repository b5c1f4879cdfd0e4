package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.remote.CliProcess;
import io.garagehsm.remote.LoggingShim;
import io.garagehsm.remote.P11KitServer;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The remote token's server killed (with the connections it serves) in the middle of a run, at a
 * chosen PKCS#11 call: the logging shim holds that call until the test has killed and perhaps
 * restarted the server. Restarted in time, the run reconnects, logs in once more with the same PIN
 * and completes; left down, the run fails with a message that says so and leaves every file as it
 * was, and a re-run completes. A wrong PIN is tried exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteTokenReconnectTest {
  static final String REPO = "ci";
  static final String PIN = "--pin-env";

  Path dir;
  TestToken token;
  P11KitServer p11kit;
  LoggingShim shim;
  TestReposerver server;
  CliProcess cli;
  String tokenUri;
  final List<CliProcess.Result> runs = new ArrayList<>();

  @BeforeAll
  void startRig() throws Exception {
    dir = Path.of("target", "remote", "kill").toAbsolutePath();
    RemoteTokenProcedureBase.deleteTree(dir);
    Files.createDirectories(dir.resolve("client-runtime"));
    token = TestTokens.create("net-kill");
    p11kit = P11KitServer.start(dir.resolve("srv"), token.label());
    shim = LoggingShim.build(dir.resolve("shim"));
    server = TestReposerver.start();
    cli =
        new CliProcess(dir.resolve("home"), dir.resolve("runs"))
            .env("P11_KIT_SERVER_ADDRESS", p11kit.address())
            .env("GARAGE_SHIM_TARGET", P11KitServer.CLIENT_MODULE.toString())
            .env("XDG_RUNTIME_DIR", dir.resolve("client-runtime").toString())
            .env("CI_TOKEN_PIN", TestTokens.USER_PIN);
    tokenUri = "pkcs11:token=" + token.label() + "?module-path=" + shim.library();
    Path zip = server.writeCredentialsZip(dir.resolve("credentials.zip"));
    ok("init", "-r", REPO, "-c", zip.toString());
    ok("targets", "pull", "-r", REPO);
    for (String k : List.of("newroot", "newtargets", "root2")) {
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
          PIN,
          "CI_TOKEN_PIN");
    }
  }

  @AfterAll
  void stopRig() {
    if (p11kit != null) {
      p11kit.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void moveOfflineCompletesAfterTheServerDiesAtItsFirstSignature() throws Exception {
    String oldId = server.rootKey.publicKey().keyId();
    CliProcess.Result r =
        killAt(
            "C_Sign",
            1,
            true,
            "move-offline",
            "-r",
            REPO,
            "--new-root",
            "newroot",
            "--new-targets",
            "newtargets",
            "--old-root-alias",
            "origroot",
            PIN,
            "CI_TOKEN_PIN");
    if (r.exit() != 0) {
      // failing cleanly is allowed; the re-run must then complete
      assertTrue(r.err().contains("hint: "), r::toString);
      r =
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
              PIN,
              "CI_TOKEN_PIN");
    } else {
      assertReconnectedOnce(r);
    }
    assertEquals(2, server.rootVersion());
    assertFalse(server.holdsPrivateKey(oldId));
    JsonNode v1 = TokenLifecycleE2ETest.fetch(server, "1.root.json");
    JsonNode v2 = TokenLifecycleE2ETest.fetch(server, "2.root.json");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed")));
  }

  @Test
  @Order(2)
  void rootSignCompletesWhenTheServerComesBackBetweenTwoSignatures() throws Exception {
    ok("root", "key", "add", "-r", REPO, "-k", "root2");
    CliProcess.Result r =
        killAt(
            "C_Sign",
            2,
            true,
            "root",
            "sign",
            "-r",
            REPO,
            "-k",
            "newroot",
            "-k",
            "root2",
            PIN,
            "CI_TOKEN_PIN");
    assertEquals(0, r.exit(), r::toString);
    assertReconnectedOnce(r);
    assertTrue(r.err().contains("reconnecting once"), r.err());
    assertEquals(2, r.calls().calls("C_Sign", "0x0"), r::toString);
    ok("root", "push", "-r", REPO);
    JsonNode v2 = TokenLifecycleE2ETest.fetch(server, "2.root.json");
    JsonNode v3 = TokenLifecycleE2ETest.fetch(server, "3.root.json");
    TokenLifecycleE2ETest.assertVerified(AktualizrVerifier.verifyRootUpdate(v3, v2.get("signed")));
    assertEquals(Set.of(keyId("newroot"), keyId("root2")), TokenLifecycleE2ETest.signers(v3));
  }

  @Test
  @Order(3)
  void aServerThatStaysDownFailsTheRunCleanlyAndTheReRunCompletes() throws Exception {
    ok(
        "targets",
        "add",
        "-r",
        REPO,
        "--name",
        "fw",
        "--version",
        "1.0",
        "--length",
        "32",
        "--sha256",
        RemoteTokenProcedureBase.SHA,
        "--hardwareids",
        "board-a");
    var before = Cli.snapshot(dir.resolve("home"));
    CliProcess.Result r =
        killAt(
            "C_Sign",
            1,
            false,
            "targets",
            "sign",
            "-r",
            REPO,
            "--key-name",
            "newtargets",
            PIN,
            "CI_TOKEN_PIN");
    assertNotEquals(0, r.exit(), r::toString);
    assertTrue(r.err().contains("could not reconnect"), r.err());
    assertTrue(r.err().contains("unreachable"), r.err());
    assertTrue(r.err().contains("hint: "), r.err());
    assertFalse(r.err().contains("Exception"), "no stack trace without --debug: " + r.err());
    assertEquals(1, r.calls().calls("C_Login"), "no login without a server\n" + r);
    assertEquals(before, Cli.snapshot(dir.resolve("home")), "every file as it was");

    p11kit.restart();
    CliProcess.Result again =
        ok("targets", "sign", "-r", REPO, "--key-name", "newtargets", PIN, "CI_TOKEN_PIN");
    assertEquals(1, again.calls().calls("C_Login"), again::toString);
    ok("targets", "push", "-r", REPO);
    assertTrue(server.targets().toJson().get("signed").get("targets").has("fw-1.0"));
  }

  @Test
  @Order(4)
  void aDroppedConnectionDuringLoginIsRetriedOnceWithTheSamePin() throws Exception {
    CliProcess.Result r =
        killAt(
            "C_Login",
            1,
            true,
            "targets",
            "sign",
            "-r",
            REPO,
            "--key-name",
            "newtargets",
            PIN,
            "CI_TOKEN_PIN");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(2, r.calls().calls("C_Login"), "the lost one and one after reconnecting\n" + r);
    assertEquals(1, r.calls().calls("C_Login", "0x0"), r::toString);
  }

  @Test
  @Order(5)
  void aWrongPinIsTriedOnceAndNeverAgain() throws Exception {
    CliProcess.Result r =
        cli.start(
                Map.of("CI_TOKEN_PIN", "wrong-pin-1"),
                "targets",
                "sign",
                "-r",
                REPO,
                "--key-name",
                "newtargets",
                PIN,
                "CI_TOKEN_PIN")
            .await();
    runs.add(r);
    assertEquals(3, r.exit(), r::toString);
    assertTrue(r.err().contains("CKR_PIN_INCORRECT"), r.err());
    assertEquals(1, r.calls().calls("C_Login"), r::toString);
    assertEquals(1, r.calls().calls("C_Login", "0xa0"), r::toString);
    // the same variable again is refused until --retry-pin (the PIN-failure ledger); then the
    // good PIN resets the token's own counter
    CliProcess.Result again =
        cli.run("targets", "sign", "-r", REPO, "--key-name", "newtargets", PIN, "CI_TOKEN_PIN");
    runs.add(again);
    assertEquals(3, again.exit(), again::toString);
    assertEquals(0, again.calls().calls("C_Login"), again::toString);
    ok(
        "targets",
        "sign",
        "-r",
        REPO,
        "--key-name",
        "newtargets",
        PIN,
        "CI_TOKEN_PIN",
        "--retry-pin");
  }

  @Test
  @Order(6)
  void noRunLoggedInMoreThanOncePlusOnceAfterAReconnect() {
    for (CliProcess.Result r : runs) {
      long reconnects = r.calls().calls("C_Finalize") - 1;
      assertTrue(
          r.calls().calls("C_Login") <= 1 + Math.max(0, reconnects),
          () -> "logins beyond one per run and one per reconnect:\n" + r);
      assertFalse(r.err().contains(TestTokens.USER_PIN), "PIN on stderr");
      assertFalse(r.out().contains(TestTokens.USER_PIN), "PIN on stdout");
    }
  }

  // ---- helpers ----

  /**
   * Runs the command with the shim holding the {@code n}-th call of {@code function}; meanwhile
   * kills the p11-kit server and its connections, restarts it if asked, and lets the call go.
   */
  CliProcess.Result killAt(String function, int n, boolean restart, String... args)
      throws Exception {
    Path pause = Files.createTempDirectory(dir, "pause");
    CliProcess.Running running =
        cli.start(Map.of("GARAGE_SHIM_PAUSE", function + ":" + n + ":" + pause), args);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(pause.resolve("paused"))) {
      if (!running.alive()) {
        throw new AssertionError(
            "the run ended before " + function + " #" + n + ":\n" + running.await());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the run never reached " + function + " #" + n);
      }
      Thread.sleep(20);
    }
    p11kit.stop();
    if (restart) {
      p11kit.restart();
    }
    Files.createFile(pause.resolve("resume"));
    CliProcess.Result r = running.await();
    runs.add(r);
    return r;
  }

  static void assertReconnectedOnce(CliProcess.Result r) {
    // the lost call's module was finalised and initialised again, then a second login
    assertEquals(2, r.calls().calls("C_Initialize", "0x0"), r::toString);
    assertEquals(2, r.calls().calls("C_Login", "0x0"), r::toString);
  }

  CliProcess.Result ok(String... args) {
    CliProcess.Result r = cli.run(args);
    runs.add(r);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  String keyId(String name) {
    Path pub = dir.resolve("home").resolve(REPO).resolve("keys").resolve(name + ".pub");
    return cli.run("user-keys", "id", "-i", pub.toString()).out().strip();
  }
}
