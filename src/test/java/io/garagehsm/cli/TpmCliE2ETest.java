package io.garagehsm.cli;

import static io.garagehsm.cli.TokenLifecycleE2ETest.assertEachSignatureValid;
import static io.garagehsm.cli.TokenLifecycleE2ETest.assertNoPin;
import static io.garagehsm.cli.TokenLifecycleE2ETest.assertVerified;
import static io.garagehsm.cli.TokenLifecycleE2ETest.fetch;
import static io.garagehsm.cli.TokenLifecycleE2ETest.signers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.pkcs11.TestTpm;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
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
 * A repository whose root keys live in a (software) TPM and whose targets key lives on SoftHSM2:
 * two modules in one run, through the real CLI against the in-process reposerver. The seed
 * procedure (key generate --token on both, move-offline), targets signed by the SoftHSM2 Ed25519
 * and a TPM RSA key, a root rotation signed by two TPM keys, every signature verified on its own;
 * then PIN safety on the TPM, whose lockout is real (TPM2_PT_MAX_AUTH_FAIL = 3): a wrong PIN costs
 * exactly one try per run on both backends, an unchanged wrong source is not tried again, and a
 * locked TPM is explained and not counted as a wrong PIN.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TpmCliE2ETest {
  static final String REPO = "tpmfleet";
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";

  @TempDir static Path tmp;

  TestTpm tpm;
  TestToken tpmToken;
  TestToken softToken;
  TestReposerver server;
  Path home;
  CliRun cli;

  @BeforeAll
  void start() {
    // through tpm2-abrmd, as real systems run: a bare swtpm holds only ~3 transient objects, too
    // few for two TPM keys open in one run (root sign -k tpmroot -k tpmroot2)
    tpm = TestTpm.start("cli", TestTpm.Access.ABRMD).exportToThisProcess();
    tpmToken = tpm.initToken("tpm-root");
    softToken = TestTokens.create("tpm-e2e-targets");
    server = TestReposerver.start();
    home = tmp.resolve("home");
    cli = new CliRun(home);
    Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
    ok("init", "-r", REPO, "-c", zip.toString());
    ok("targets", "pull", "-r", REPO);
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    if (tpm != null) {
      tpm.close();
    }
  }

  @Test
  @Order(1)
  void seedWithATpmRootKeyAndASoftHsmEd25519TargetsKey() throws Exception {
    CliRun.Result gen =
        ok(
            "key",
            "generate",
            "-r",
            REPO,
            "-n",
            "tpmroot",
            "-t",
            "rsa",
            "--keysize",
            "3072",
            "--token",
            tpmToken.uri().toString());
    assertTrue(gen.err().contains("Generated RSA-3072 key 'tpmroot' on the token"), gen.err());
    ok(
        "key",
        "generate",
        "-r",
        REPO,
        "-n",
        "tpmroot2",
        "-t",
        "rsa",
        "--keysize",
        "2048",
        "--token",
        tpmToken.uri().toString());
    ok(
        "key",
        "generate",
        "-r",
        REPO,
        "-n",
        "tpmtargets",
        "-t",
        "rsa",
        "--keysize",
        "2048",
        "--token",
        tpmToken.uri().toString());
    ok("key", "generate", "-r", REPO, "-n", "softtargets", "--token", softToken.uri().toString());
    for (String k : List.of("tpmroot", "tpmroot2", "tpmtargets", "softtargets")) {
      assertFalse(Files.exists(key(k + ".sec")), k);
      assertTrue(Files.exists(key(k + ".pkcs11")), k);
    }
    assertEquals("ED25519", Cli.readJson(key("softtargets.pub")).get("keytype").asText());
    String objects = tpm.pkcs11Tool(tpmToken.label(), "-O");
    for (String block : objects.split("(?=Private Key Object)")) {
      if (block.startsWith("Private Key Object")) {
        assertTrue(block.contains("never extractable"), block);
      }
    }

    String oldId = server.rootKey.publicKey().keyId();
    CliRun.Result moved =
        ok(
            "move-offline",
            "-r",
            REPO,
            "--new-root",
            "tpmroot",
            "--new-targets",
            "softtargets",
            "--old-root-alias",
            "origroot");
    assertTrue(moved.err().contains("root keys moved offline"), moved.err());
    assertFalse(server.holdsPrivateKey(oldId));
    JsonNode v1 = fetch(server, "1.root.json");
    JsonNode v2 = fetch(server, "2.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed")));
    assertEquals(Set.of(keyId("tpmroot"), oldId), signers(v2));
    assertEachSignatureValid(v2, List.of(v1.get("signed"), v2.get("signed")), "root", "Root");
  }

  @Test
  @Order(2)
  void targetsSignedOnSoftHsmAndRootRotatedByTwoTpmKeysThenTargetsSignedOnTheTpm() {
    addTarget("app", "1.0.0");
    ok("targets", "sign", "-r", REPO, "--key-name", "softtargets");
    ok("targets", "push", "-r", REPO);
    JsonNode root2 = fetch(server, "root.json").get("signed");
    assertVerified(AktualizrVerifier.verifyTargets(server.targets().toJson(), root2));

    ok("root", "key", "add", "-r", REPO, "-k", "tpmroot2");
    ok("root", "targets-key", "add", "-r", REPO, "-k", "tpmtargets");
    ok("root", "sign", "-r", REPO, "-k", "tpmroot", "-k", "tpmroot2");
    ok("root", "push", "-r", REPO);
    JsonNode v2 = fetch(server, "2.root.json");
    JsonNode v3 = fetch(server, "3.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v3, v2.get("signed")));
    assertEquals(Set.of(keyId("tpmroot"), keyId("tpmroot2")), signers(v3));
    assertEachSignatureValid(v3, v3.get("signed"), "root", "Root");

    addTarget("app", "1.0.1");
    ok("targets", "sign", "-r", REPO, "--key-name", "tpmtargets");
    ok("targets", "push", "-r", REPO);
    JsonNode t = server.targets().toJson();
    assertEquals(Set.of(keyId("tpmtargets")), signers(t));
    assertVerified(AktualizrVerifier.verifyTargets(t, v3.get("signed")));
    assertEachSignatureValid(t, v3.get("signed"), "targets", "Targets");
    ok("root", "pull", "-r", REPO);
    ok("targets", "pull", "-r", REPO);
  }

  @Test
  @Order(3)
  void tokensListShowsTheRawRsaPathOfTheTpmKeys() {
    CliRun.Result r = ok("tokens", "list", "--token", tpmToken.uri().toString());
    assertTrue(r.out().contains("key 'tpmroot' RSA-3072"), r.out());
    assertTrue(r.out().contains("signs: RSA-PSS via CKM_RSA_X_509 + host EMSA-PSS"), r.out());
    CliRun.Result soft = ok("tokens", "list", "--token", softToken.uri().toString());
    assertFalse(soft.out().contains("signs: RSA-PSS via CKM_RSA_X_509"), soft.out());
  }

  @Test
  @Order(4)
  void aWrongPinCostsOneTryPerRunAndAnUnchangedSourceIsNotTriedAgain() throws Exception {
    tpm.clearLockout();
    Path wrong = pinFile("wrong.pin", "not-the-pin");
    String[] sign = {"targets", "sign", "-r", REPO, "--key-name", "tpmtargets"};
    assertEquals(0, tpm.lockoutCounter());

    CliRun.Result first = runWithPin(wrong, sign);
    assertEquals(3, first.exit(), first.toString());
    assertTrue(first.err().contains("wrong user PIN for token 'tpm-root'"), first.err());
    assertEquals(1, tpm.lockoutCounter(), "one wrong PIN, one count");

    CliRun.Result again = runWithPin(wrong, sign);
    assertNotEquals(0, again.exit(), again.toString());
    assertTrue(again.err().contains("not trying the PIN again"), again.err());
    assertTrue(again.err().contains("--retry-pin"), again.err());
    assertEquals(1, tpm.lockoutCounter(), "the unchanged source was not tried");

    // another command, same source: still refused, still no try
    CliRun.Result root = runWithPin(wrong, "root", "sign", "-r", REPO, "-k", "tpmroot");
    assertTrue(root.err().contains("not trying the PIN again"), root.err());
    assertEquals(1, tpm.lockoutCounter());

    // the source changed (edited: new mtime): one more try, one more count
    Files.setLastModifiedTime(wrong, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    CliRun.Result edited = runWithPin(wrong, sign);
    assertTrue(edited.err().contains("wrong user PIN"), edited.err());
    assertEquals(2, tpm.lockoutCounter());
    // garage-hsm stops here on its own: the next run would lock the TPM, and it is not made
    CliRun.Result stopped = runWithPin(wrong, sign);
    assertTrue(stopped.err().contains("not trying the PIN again"), stopped.err());
    assertEquals(2, tpm.lockoutCounter());
    assertFalse(tpm.inLockout());

    // the ledger names the token and the file, never the PIN
    String ledger = Files.readString(home.resolve(".pin-failures"));
    assertTrue(ledger.contains(wrong.toString()), ledger);
    assertFalse(ledger.contains("not-the-pin"), ledger);

    // --retry-pin with the right PIN file: the right PIN logs in, the failure is forgotten
    tpm.clearLockout();
    CliRun.Result right = runWithPin(tpmToken.pinFile(), sign);
    assertEquals(0, right.exit(), right.toString());
    CliRun.Result retried =
        runWithPin(wrong, "--retry-pin", "targets", "sign", "-r", REPO, "--key-name", "tpmtargets");
    assertTrue(retried.err().contains("wrong user PIN"), retried.err());
    assertEquals(1, tpm.lockoutCounter(), "--retry-pin allows exactly one try");
    tpm.clearLockout();
  }

  @Test
  @Order(5)
  void aLockedTpmIsExplainedAndNeverCountedAsAWrongPin() throws Exception {
    tpm.clearLockout();
    for (int i = 0; i < 3; i++) {
      tpm.pkcs11ToolResult(
          "--token-label", tpmToken.label(), "--login", "--pin", "wrong-" + i, "-O");
    }
    assertTrue(tpm.inLockout(), "three wrong PINs lock the TPM");
    String[] sign = {"targets", "sign", "-r", REPO, "--key-name", "tpmtargets"};
    CliRun.Result locked = runWithPin(tpmToken.pinFile(), sign);
    assertEquals(3, locked.exit(), locked.toString());
    assertTrue(
        locked.err().contains("is locked by too many wrong PINs; wait or reset"), locked.err());
    assertTrue(locked.err().contains("tpm2_dictionarylockout"), locked.err());
    // not recorded as a wrong PIN: the same (right) source is tried again after the reset
    tpm.clearLockout();
    CliRun.Result after = runWithPin(tpmToken.pinFile(), sign);
    assertEquals(0, after.exit(), after.toString());
  }

  @Test
  @Order(6)
  void theSunPkcs11BackendAlsoSpendsExactlyOneTryAndSignsWithTheTpm() throws Exception {
    tpm.clearLockout();
    addTarget("app", "1.0.2");
    CliRun.Result signed =
        runWithPin(
            tpmToken.pinFile(),
            "--backend",
            "sunpkcs11",
            "targets",
            "sign",
            "-r",
            REPO,
            "--key-name",
            "tpmtargets");
    assertEquals(0, signed.exit(), signed.toString());
    ok("targets", "push", "-r", REPO);
    JsonNode root = fetch(server, "root.json").get("signed");
    assertVerified(AktualizrVerifier.verifyTargets(server.targets().toJson(), root));

    Path wrong = pinFile("wrong-sun.pin", "also-not-the-pin");
    CliRun.Result bad =
        runWithPin(
            wrong,
            "--backend",
            "sunpkcs11",
            "targets",
            "sign",
            "-r",
            REPO,
            "--key-name",
            "tpmtargets");
    assertEquals(3, bad.exit(), bad.toString());
    assertEquals(1, tpm.lockoutCounter());
    CliRun.Result again =
        runWithPin(
            wrong,
            "--backend",
            "sunpkcs11",
            "targets",
            "sign",
            "-r",
            REPO,
            "--key-name",
            "tpmtargets");
    assertTrue(again.err().contains("not trying the PIN again"), again.err());
    assertEquals(1, tpm.lockoutCounter());
    tpm.clearLockout();
  }

  // ---- helpers ----

  private void addTarget(String name, String version) {
    ok(
        "targets",
        "add",
        "-r",
        REPO,
        "--name",
        name,
        "--version",
        version,
        "--length",
        "32",
        "--sha256",
        SHA,
        "--hardwareids",
        "board-a");
  }

  private Path pinFile(String name, String content) throws Exception {
    Path p = tmp.resolve(name);
    Files.deleteIfExists(p);
    Files.createFile(
        p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(p, content + "\n");
    return p;
  }

  private Path key(String file) {
    return home.resolve(REPO).resolve("keys").resolve(file);
  }

  private String keyId(String name) {
    return ok("user-keys", "id", "-i", key(name + ".pub").toString()).out();
  }

  private CliRun.Result ok(String... args) {
    CliRun.Result r = runWithPin(tpmToken.pinFile(), args);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  private CliRun.Result runWithPin(Path pinFile, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--pin-file");
    a.add(pinFile.toString());
    CliRun.Result r = cli.run(a.toArray(String[]::new));
    assertNoPin(r);
    return r;
  }
}
