package io.garagehsm.cli;

import static io.garagehsm.cli.TokenLifecycleE2ETest.assertEachSignatureValid;
import static io.garagehsm.cli.TokenLifecycleE2ETest.assertVerified;
import static io.garagehsm.cli.TokenLifecycleE2ETest.fetch;
import static io.garagehsm.cli.TokenLifecycleE2ETest.signers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend sunpkcs11} through the CLI: RSA token keys sign root (move-offline and a later
 * rotation) and targets, verified like aktualizr would; Ed25519 keys are refused with the
 * documented error and exit 3, nothing written. Runs in the SunPKCS11 Surefire execution (a JVM per
 * class): every token and key this class uses is made before SunPKCS11 first initialises the
 * module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SunPkcs11CliTest {
  static final String REPO = "sunrepo";
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";

  @TempDir static Path tmp;

  TestToken token;
  TestReposerver server;
  Path home;
  CliRun cli;
  final List<CliRun.Result> runs = new ArrayList<>();

  @BeforeAll
  void start() {
    token = TestTokens.create("sun-cli");
    // an Ed25519 key made by another tool, to be adopted (listing only) and then refused
    TestTokens.pkcs11Tool(
        token, "--keypairgen", "--key-type", "EC:edwards25519", "--label", "ext-ed", "--id", "e5");
    server = TestReposerver.start();
    home = tmp.resolve("home");
    cli = new CliRun(home);
    Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
    ok("init", "-r", REPO, "-c", zip.toString());
    ok("targets", "pull", "-r", REPO);
  }

  @AfterAll
  void stop() {
    server.close();
    for (CliRun.Result r : runs) {
      TokenLifecycleE2ETest.assertNoPin(r);
    }
  }

  @Test
  @Order(1)
  void rsaTokenKeysSignTheRootMoveAndTargets() {
    ok(
        "key",
        "generate",
        "-r",
        REPO,
        "-n",
        "sunroot",
        "-t",
        "rsa",
        "--keysize",
        "3072",
        "--token",
        token.uri().toString());
    ok("key", "generate", "-r", REPO, "-n", "suntargets", "-t", "rsa", "--token", tokenUri());
    ok(
        "move-offline",
        "-r",
        REPO,
        "--new-root",
        "sunroot",
        "--new-targets",
        "suntargets",
        "--old-root-alias",
        "origroot");
    JsonNode v1 = fetch(server, "1.root.json");
    JsonNode v2 = fetch(server, "2.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed")));
    assertEquals(Set.of(keyId("sunroot"), server.rootKey.publicKey().keyId()), signers(v2));
    assertEachSignatureValid(v2, List.of(v1.get("signed"), v2.get("signed")), "root", "Root");

    ok(
        "targets",
        "add",
        "-r",
        REPO,
        "--name",
        "app",
        "--version",
        "1.0.0",
        "--length",
        "32",
        "--sha256",
        SHA,
        "--hardwareids",
        "board-a");
    ok("targets", "sign", "-r", REPO, "--key-name", "suntargets");
    ok("targets", "push", "-r", REPO);
    JsonNode t = server.targets().toJson();
    assertEquals(Set.of(keyId("suntargets")), signers(t));
    assertVerified(AktualizrVerifier.verifyTargets(t, v2.get("signed")));
    assertEachSignatureValid(t, v2.get("signed"), "targets", "Targets");
    ok("root", "pull", "-r", REPO);
    ok("targets", "pull", "-r", REPO);
  }

  @Test
  @Order(2)
  void aLaterRootVersionSignedThroughSunPkcs11() {
    ok("root", "sign", "-r", REPO, "-k", "sunroot", "--expire-after", "1Y");
    ok("root", "push", "-r", REPO);
    JsonNode v2 = fetch(server, "2.root.json");
    JsonNode v3 = fetch(server, "3.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v3, v2.get("signed")));
    assertEquals(Set.of(keyId("sunroot")), signers(v3));
    assertEachSignatureValid(v3, v3.get("signed"), "root", "Root");
    ok("root", "pull", "-r", REPO);
  }

  @Test
  @Order(3)
  void ed25519IsRefusedWithTheDocumentedErrorAndNothingIsWritten() {
    Map<String, String> before = Cli.snapshot(home);
    CliRun.Result gen = run("key", "generate", "-r", REPO, "-n", "suned", "--token", tokenUri());
    assertEquals(3, gen.exit(), gen.toString());
    assertTrue(gen.err().contains("SunPKCS11 has no EdDSA; use --backend iaik"), gen.err());
    assertTrue(gen.err().contains("hint: "), gen.err());
    assertEquals(before, Cli.snapshot(home));
    assertFalse(TestTokens.pkcs11Tool(token, "-O").contains("label:      suned"));

    // a token Ed25519 key can be recorded (public key only) but not used for signing
    ok("key", "adopt", "-r", REPO, "-n", "exted", "--uri", token.keyUri("ext-ed").toString());
    before = Cli.snapshot(home);
    CliRun.Result sign = run("targets", "sign", "-r", REPO, "--key-name", "exted");
    assertEquals(3, sign.exit(), sign.toString());
    assertTrue(sign.err().contains("SunPKCS11 has no EdDSA; use --backend iaik"), sign.err());
    assertEquals(before, Cli.snapshot(home), "nothing written");
    assertFalse(Files.exists(home.resolve(REPO).resolve("keys/exted.sec")));
  }

  // ---- helpers ----

  private String tokenUri() {
    return token.uri().toString();
  }

  private String keyId(String name) {
    return Cli.readJson(home.resolve(REPO).resolve("keys").resolve(name + ".pkcs11"))
        .get("keyid")
        .asText();
  }

  private CliRun.Result run(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--backend", "sunpkcs11", "--pin-file", token.pinFile().toString()));
    CliRun.Result r = cli.run(a.toArray(String[]::new));
    runs.add(r);
    return r;
  }

  private CliRun.Result ok(String... args) {
    CliRun.Result r = run(args);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }
}
