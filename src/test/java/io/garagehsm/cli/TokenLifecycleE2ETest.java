package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.repo.CredentialsZip;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole life of a repository whose offline keys live on a SoftHSM2 token, through the real CLI
 * against the in-process reposerver: the seed procedure (init, pull, key generate --token,
 * move-offline interrupted and resumed), root rotations signed by token keys of every type and
 * size, targets, delegations, sign-json and export-credentials to a second repository. Every output
 * is checked by the aktualizr-style verifier (each signature on its own) and by the server or
 * garage-hsm's own pull. The steps build on each other, hence the fixed order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokenLifecycleE2ETest {
  static final String REPO = "fleet";
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";

  @TempDir static Path tmp;

  TestToken token;
  TestReposerver server;
  Path home;
  CliRun cli;

  /** Every run of this class, checked at the end for PIN leaks. */
  final List<CliRun.Result> runs = new ArrayList<>();

  /** Token key names: no .sec may ever exist for them. */
  static final List<String> TOKEN_KEYS =
      List.of("newroot", "newtargets", "root3072", "rooted", "targetsrsa", "adopted");

  @BeforeAll
  void start() {
    token = TestTokens.create("e2e-life");
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
  }

  // ---- steps ----

  @Test
  @Order(1)
  void keyGenerateOnTheTokenWritesOnlyThePublicKeyAndAReference() {
    CliRun.Result r =
        ok(
            "key",
            "generate",
            "-r",
            REPO,
            "-n",
            "newroot",
            "-t",
            "rsa",
            "--keysize",
            "4096",
            "--token",
            token.uri().toString());
    assertTrue(r.err().contains("Generated RSA-4096 key 'newroot' on the token"), r.err());
    // the key ID is the result: one line on stdout (also named on stderr)
    assertTrue(r.out().matches("[0-9a-f]{64}\n"), r.out());
    assertTrue(r.err().contains("key id " + r.out().strip()), r.err());
    ok("key", "generate", "-r", REPO, "-n", "newtargets", "--token", token.uri().toString());
    ok(
        "key",
        "generate",
        "-r",
        REPO,
        "-n",
        "root3072",
        "-t",
        "rsa",
        "--keysize",
        "3072",
        "--token",
        token.uri().toString());
    ok("key", "generate", "-r", REPO, "-n", "rooted", "--token", token.uri().toString());
    ok(
        "key",
        "generate",
        "-r",
        REPO,
        "-n",
        "targetsrsa",
        "-t",
        "rsa",
        "--keysize",
        "3072",
        "--token",
        token.uri().toString());
    Path keys = home.resolve(REPO).resolve("keys");
    for (String k : List.of("newroot", "newtargets", "root3072", "rooted", "targetsrsa")) {
      assertTrue(Files.exists(keys.resolve(k + ".pub")), k);
      assertFalse(Files.exists(keys.resolve(k + ".sec")), k);
      JsonNode ref = Cli.readJson(keys.resolve(k + ".pkcs11"));
      assertEquals(keyId(k), ref.get("keyid").asText());
      assertTrue(ref.get("uri").asText().startsWith("pkcs11:"), ref.toString());
      assertTrue(ref.get("uri").asText().contains("object=" + k), ref.toString());
      // the token's serial is recorded for prompts ("insert token 'x' (serial …)"), no secret
      assertEquals(
          Set.of("uri", "keyid", "token_serial"),
          fieldNames(ref),
          "nothing else in " + k + ".pkcs11");
      assertFalse(ref.get("token_serial").asText().isEmpty(), ref.toString());
    }
    JsonNode pub = Cli.readJson(keys.resolve("newroot.pub"));
    assertEquals("RSA", pub.get("keytype").asText());
    assertEquals("ED25519", Cli.readJson(keys.resolve("newtargets.pub")).get("keytype").asText());

    // the private halves are sensitive and never extractable on the token
    String objects = TestTokens.pkcs11Tool(token, "-O");
    for (String k : List.of("newroot", "newtargets", "root3072", "rooted", "targetsrsa")) {
      Matcher m =
          Pattern.compile(
                  "Private Key Object;[^\\n]*\\n\\s+label:\\s+"
                      + k
                      + "\\n(?:\\s+\\S.*\\n)*?\\s+Access:\\s+([^\\n]*)")
              .matcher(objects);
      assertTrue(m.find(), k + " private key not listed:\n" + objects);
      assertTrue(m.group(1).contains("sensitive"), k + ": " + m.group(1));
      assertTrue(m.group(1).contains("never extractable"), k + ": " + m.group(1));
      assertTrue(m.group(1).contains("local"), k + ": " + m.group(1));
    }
  }

  @Test
  @Order(2)
  void moveOfflineToATokenRootResumesAfterAFailedPost() throws Exception {
    String[] args = {
      "move-offline",
      "-r",
      REPO,
      "--new-root",
      "newroot",
      "--new-targets",
      "newtargets",
      "--old-root-alias",
      "origroot"
    };
    String oldId = server.rootKey.publicKey().keyId();
    server.inject(TestReposerver.on("POST", "root"), Fault.dropAfterHandling(), 1);
    CliRun.Result first = run(args);
    assertNotEquals(0, first.exit(), first.toString());
    assertTrue(first.err().contains("hint: "), first.toString());
    assertTrue(server.holdsPrivateKey(oldId) || Files.exists(key("origroot.sec")));
    server.clearFaults();
    CliRun.Result second = ok(args);
    assertTrue(second.err().contains("root keys moved offline"), second.err());
    assertFalse(server.holdsPrivateKey(oldId));
    assertFalse(Files.exists(key("origroot.sec")), "the old online root key is removed");
    assertTrue(Files.exists(key("origroot.pub")), "its public key stays");
    assertEquals(2, server.rootVersion());

    JsonNode v1 = fetch("1.root.json");
    JsonNode v2 = fetch("2.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed")));
    assertEquals(Set.of(keyId("newroot"), oldId), signers(v2));
    assertEachSignatureValid(v2, List.of(v1.get("signed"), v2.get("signed")), "root", "Root");
    assertEquals(
        List.of(keyId("newroot")), ids(v2.get("signed").get("roles").get("root").get("keyids")));
    assertEquals(
        List.of(keyId("newtargets")),
        ids(v2.get("signed").get("roles").get("targets").get("keyids")));
  }

  @Test
  @Order(3)
  void targetsSignedByTheTokenTargetsKeyArePushedAndVerify() {
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
    ok("targets", "sign", "-r", REPO, "--key-name", "newtargets");
    ok("targets", "push", "-r", REPO);
    ok("root", "pull", "-r", REPO);
    JsonNode t = Cli.readJson(home.resolve(REPO).resolve("roles/targets.json"));
    assertEquals(Set.of(keyId("newtargets")), signers(t));
    JsonNode root = fetch("root.json").get("signed");
    assertVerified(AktualizrVerifier.verifyTargets(server.targets().toJson(), root));
    assertEachSignatureValid(server.targets().toJson(), root, "targets", "Targets");
    // garage-hsm's own check: the pull verifies the server's targets against the local root
    ok("targets", "pull", "-r", REPO);
  }

  @Test
  @Order(4)
  void keysMadeByAnotherToolAreAdoptedAndAnEcKeyIsRefused() {
    TestTokens.pkcs11Tool(
        token, "--keypairgen", "--key-type", "EC:edwards25519", "--label", "ext-ed", "--id", "e1");
    TestTokens.pkcs11Tool(
        token, "--keypairgen", "--key-type", "RSA:2048", "--label", "ext-rsa", "--id", "e2");
    TestTokens.pkcs11Tool(
        token, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "ext-p256", "--id", "e3");
    ok("key", "adopt", "-r", REPO, "-n", "adopted", "--uri", token.keyUri("ext-ed").toString());
    ok("key", "adopt", "-r", REPO, "-n", "adoptedrsa", "--uri", token.keyUri("ext-rsa").toString());
    JsonNode ref = Cli.readJson(key("adopted.pkcs11"));
    assertTrue(
        ref.get("uri").asText().toLowerCase(java.util.Locale.ROOT).contains("id=%e1"),
        ref.toString());
    assertEquals("ED25519", Cli.readJson(key("adopted.pub")).get("keytype").asText());
    assertEquals("RSA", Cli.readJson(key("adoptedrsa.pub")).get("keytype").asText());

    var before = Cli.snapshot(home);
    CliRun.Result ec =
        run("key", "adopt", "-r", REPO, "-n", "p256", "--uri", token.keyUri("ext-p256").toString());
    assertEquals(3, ec.exit(), ec.toString());
    assertTrue(ec.err().contains("ECDSA") || ec.err().contains("ecdsa"), ec.err());
    assertTrue(ec.err().contains("hint: "), ec.err());
    assertEquals(before, Cli.snapshot(home), "nothing written for a refused key");
  }

  @Test
  @Order(5)
  void rootRotationSignedByTwoTokenRootKeys() throws Exception {
    ok("root", "key", "add", "-r", REPO, "-k", "root3072", "-k", "rooted");
    ok(
        "root",
        "targets-key",
        "add",
        "-r",
        REPO,
        "-k",
        "targetsrsa",
        "-k",
        "adopted",
        "-k",
        "adoptedrsa");
    ok("root", "sign", "-r", REPO, "-k", "root3072", "-k", "newroot");
    ok("root", "push", "-r", REPO);
    JsonNode v2 = fetch("2.root.json");
    JsonNode v3 = fetch("3.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v3, v2.get("signed")));
    assertEquals(Set.of(keyId("root3072"), keyId("newroot")), signers(v3));
    assertEachSignatureValid(v3, v3.get("signed"), "root", "Root");
    ok("root", "pull", "-r", REPO);
  }

  @Test
  @Order(6)
  void rootSignedWithATokenOldRootAlias() throws Exception {
    ok("root", "key", "remove", "-r", REPO, "-k", "newroot", "-k", "root3072");
    ok("root", "sign", "-r", REPO, "-k", "rooted", "--old-root-alias", "root3072");
    ok("root", "push", "-r", REPO);
    JsonNode v3 = fetch("3.root.json");
    JsonNode v4 = fetch("4.root.json");
    assertVerified(AktualizrVerifier.verifyRootUpdate(v4, v3.get("signed")));
    assertEquals(Set.of(keyId("rooted"), keyId("root3072")), signers(v4));
    assertEachSignatureValid(v4, v3.get("signed"), "root", "Root");
    assertEquals(
        List.of(keyId("rooted")), ids(v4.get("signed").get("roles").get("root").get("keyids")));
    // garage-hsm's own chain check from v3
    ok("root", "pull", "-r", REPO);
    ok("verify-root", "-r", REPO, "-i", home.resolve(REPO).resolve("roles/root.json").toString());
  }

  @Test
  @Order(7)
  void targetsSignedByEveryOtherTokenTargetsKey() {
    JsonNode root = fetch("root.json").get("signed");
    int n = 2;
    for (String k : List.of("targetsrsa", "adopted", "adoptedrsa")) {
      ok(
          "targets",
          "add",
          "-r",
          REPO,
          "--name",
          "app-" + k,
          "--version",
          "1.0." + n++,
          "--length",
          "32",
          "--sha256",
          SHA,
          "--hardwareids",
          "board-a");
      ok("targets", "sign", "-r", REPO, "--key-name", k);
      ok("targets", "push", "-r", REPO);
      JsonNode t = server.targets().toJson();
      assertEquals(Set.of(keyId(k)), signers(t), k);
      assertVerified(AktualizrVerifier.verifyTargets(t, root));
      assertEachSignatureValid(t, root, "targets", "Targets");
      ok("targets", "pull", "-r", REPO);
    }
  }

  @Test
  @Order(8)
  void delegationsSignedByATokenUserKey() throws Exception {
    ok("user-keys", "gen", "-k", "supplier", "--token", token.uri().toString());
    Path uk = home.resolve("user-keys");
    assertFalse(Files.exists(uk.resolve("supplier.sec")));
    String id = ok("user-keys", "id", "-i", uk.resolve("supplier.pub").toString()).out();
    assertEquals(64, id.length(), id);
    assertEquals(id, Cli.readJson(uk.resolve("supplier.pkcs11")).get("keyid").asText());

    Path file = tmp.resolve("delegated.json");
    Files.writeString(file, ok("delegations", "init").out());
    ok(
        "delegations",
        "add-target",
        "-i",
        file.toString(),
        "-e",
        "--name",
        "ecu",
        "--version",
        "1",
        "--length",
        "32",
        "--sha256",
        SHA,
        "--hardwareids",
        "board-a");
    CliRun.Result signed = ok("delegations", "sign", "-k", "supplier", "-i", file.toString());
    JsonNode env = Cli.parse(signed.out());
    assertEquals(Set.of(id), signers(env));
    ObjectNode delegating = Cli.JSON.createObjectNode();
    delegating.putObject("keys").set(id, Cli.readJson(uk.resolve("supplier.pub")));
    ObjectNode role = delegating.putObject("roles").putObject("supplier");
    role.putArray("keyids").add(id);
    role.put("threshold", 1);
    assertVerified(AktualizrVerifier.verifyRole(env, delegating, "supplier", "Targets"));
    Path signedFile = tmp.resolve("delegated-signed.json");
    Files.writeString(signedFile, signed.out());
    assertTrue(
        ok("verify-json", "-p", uk.resolve("supplier.pub").toString(), "-i", signedFile.toString())
            .out()
            .startsWith("Valid signatures: List("));

    // delegate to it from the targets role (signed on the token) and push both
    ok(
        "targets",
        "delegations",
        "add",
        "-r",
        REPO,
        "-n",
        "supplier",
        "-p",
        "ecu-*",
        "-k",
        uk.resolve("supplier.pub").toString());
    ok("targets", "sign", "-r", REPO, "--key-name", "newtargets");
    ok("targets", "push", "-r", REPO);
    ok("delegations", "push", "-r", REPO, "-n", "supplier", "-i", signedFile.toString());
    assertEquals(env, server.delegation("supplier"));
    ok("targets", "pull", "-r", REPO);
  }

  @Test
  @Order(9)
  void signJsonWithAUriAndWithAReferenceFile() throws Exception {
    Path in = tmp.resolve("payload.json");
    Files.writeString(
        in,
        "{\"b\":1,\"_type\":\"Targets\",\"a\":[true,\"x\"],\"expires\":\"2030-01-01T00:00:00Z\"}");
    Path pub = key("newtargets.pub");
    String uri = Cli.readJson(key("newtargets.pkcs11")).get("uri").asText();
    for (String k : List.of(uri, key("newtargets.pkcs11").toString())) {
      CliRun.Result r = ok("sign-json", "-k", k, "-p", pub.toString(), "-i", in.toString());
      JsonNode env = Cli.parse(r.out());
      assertEquals(Set.of(keyId("newtargets")), signers(env));
      Path signed = tmp.resolve("payload-signed.json");
      Files.writeString(signed, r.out());
      assertTrue(
          ok("verify-json", "-p", pub.toString(), "-i", signed.toString())
              .out()
              .startsWith("Valid signatures: List("),
          k);
      ObjectNode holder = Cli.JSON.createObjectNode();
      holder.putObject("keys").set(keyId("newtargets"), Cli.readJson(pub));
      ObjectNode role = holder.putObject("roles").putObject("x");
      role.putArray("keyids").add(keyId("newtargets"));
      role.put("threshold", 1);
      assertVerified(AktualizrVerifier.verifyRole(env, holder, "x", "Targets"));
      // and the check bites: a changed payload no longer verifies
      ((ObjectNode) env.get("signed")).put("b", 2);
      assertFalse(AktualizrVerifier.verifyRole(env, holder, "x", "Targets").ok());
    }
    // an RSA token key with a mismatching .pub is refused before signing
    CliRun.Result wrong =
        run("sign-json", "-k", uri, "-p", key("targetsrsa.pub").toString(), "-i", in.toString());
    assertEquals(3, wrong.exit(), wrong.toString());
    assertTrue(wrong.err().contains(keyId("newtargets")), wrong.err());
    assertTrue(wrong.err().contains(keyId("targetsrsa")), wrong.err());
    assertTrue(
        wrong.err().contains("hint: pass the .pub that belongs to this token key"), wrong.err());
    assertEquals("", wrong.out());
  }

  @Test
  @Order(10)
  void exportedTokenCredentialsLetASecondRepositorySignAndPush() throws Exception {
    Path zip = tmp.resolve("export.zip");
    ok("export-credentials", "-r", REPO, "-k", "newtargets", "-o", zip.toString());
    CredentialsZip z = CredentialsZip.read(zip);
    assertTrue(z.has("targets.pub"));
    assertTrue(z.has("targets.pkcs11"));
    for (String name : z.names()) {
      assertFalse(name.endsWith(".sec"), "no private key file in the zip: " + name);
    }
    Path home2 = tmp.resolve("home2");
    CliRun cli2 = new CliRun(home2);
    okWith(cli2, "init", "-r", "second", "-c", zip.toString());
    Path keys2 = home2.resolve("second/keys");
    assertFalse(Files.exists(keys2.resolve("targets.sec")));
    // the same token key, but the module is the local machine's, never the zip's module-path
    JsonNode exportedRef = Cli.readJson(key("newtargets.pkcs11"));
    JsonNode restoredRef = Cli.readJson(keys2.resolve("targets.pkcs11"));
    assertEquals(exportedRef.get("keyid"), restoredRef.get("keyid"));
    assertEquals(
        io.garagehsm.pkcs11.Pkcs11Uri.parse(exportedRef.get("uri").textValue()).withoutQuery(),
        io.garagehsm.pkcs11.Pkcs11Uri.parse(restoredRef.get("uri").textValue()));
    okWith(cli2, "targets", "pull", "-r", "second");
    okWith(
        cli2,
        "targets",
        "add",
        "-r",
        "second",
        "--name",
        "from-second",
        "--version",
        "2.0.0",
        "--length",
        "32",
        "--sha256",
        SHA,
        "--hardwareids",
        "board-b");
    okWith(cli2, "targets", "sign", "-r", "second", "--key-name", "targets");
    okWith(cli2, "targets", "push", "-r", "second");
    JsonNode t = server.targets().toJson();
    assertTrue(t.get("signed").get("targets").has("from-second-2.0.0"));
    assertEquals(Set.of(keyId("newtargets")), signers(t));
    JsonNode root = fetch("root.json").get("signed");
    assertVerified(AktualizrVerifier.verifyTargets(t, root));
    assertEachSignatureValid(t, root, "targets", "Targets");
    okWith(cli2, "targets", "pull", "-r", "second");
  }

  @Test
  @Order(11)
  void noFileHoldsTokenPrivateMaterialAndThePinNeverLeaks() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.walk(tmp)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    // the server's zip (and init's copy of it) legitimately holds its online targets key
    byte[] serverZip = Files.readAllBytes(tmp.resolve("credentials.zip"));
    int scanned = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      for (String k : TOKEN_KEYS) {
        assertNotEquals(k + ".sec", name, "private key file for token key " + k + ": " + f);
      }
      List<byte[]> contents = new ArrayList<>();
      if (name.endsWith(".zip")) {
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(f))) {
          for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
            assertFalse(
                e.getName().endsWith(".sec") && !Arrays.equals(Files.readAllBytes(f), serverZip),
                f + " holds " + e.getName());
            contents.add(zin.readAllBytes());
          }
        }
      } else {
        contents.add(Files.readAllBytes(f));
      }
      for (byte[] c : contents) {
        scanned++;
        String text = new String(c, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(TestTokens.USER_PIN), "PIN in " + f);
        if (!name.endsWith(".sec") && !Arrays.equals(Files.readAllBytes(f), serverZip)) {
          assertFalse(text.contains("PRIVATE KEY"), "private key PEM in " + f);
          assertFalse(text.contains("\"private\""), "private key value in " + f);
        }
      }
    }
    assertTrue(scanned > 20, "scanned " + scanned);
    // the only file key that exists is the server's (targets from the zip); the old root key's
    // .sec was removed when move-offline completed
    try (Stream<Path> s = Files.walk(home)) {
      Set<String> secs = new HashSet<>();
      s.filter(p -> p.toString().endsWith(".sec"))
          .forEach(p -> secs.add(home.relativize(p).toString()));
      assertEquals(Set.of(REPO + "/keys/targets.sec"), secs);
    }
    assertTrue(runs.size() > 40, "runs " + runs.size());
    for (CliRun.Result r : runs) {
      assertNoPin(r);
    }
  }

  // ---- helpers ----

  private Path key(String file) {
    return home.resolve(REPO).resolve("keys").resolve(file);
  }

  private String keyId(String name) {
    Path pub = key(name + ".pub");
    return ok("user-keys", "id", "-i", pub.toString()).out();
  }

  private CliRun.Result run(String... args) {
    return runWith(cli, args);
  }

  private CliRun.Result ok(String... args) {
    return okWith(cli, args);
  }

  private CliRun.Result okWith(CliRun c, String... args) {
    CliRun.Result r = runWith(c, args);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }

  private CliRun.Result runWith(CliRun c, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--pin-file");
    a.add(token.pinFile().toString());
    CliRun.Result r = c.run(a.toArray(String[]::new));
    runs.add(r);
    assertNoPin(r);
    return r;
  }

  static void assertNoPin(CliRun.Result r) {
    assertFalse(r.out().contains(TestTokens.USER_PIN), "PIN on stdout");
    assertFalse(r.err().contains(TestTokens.USER_PIN), "PIN on stderr");
  }

  static void assertVerified(AktualizrVerifier.Result r) {
    assertTrue(r.ok(), r.reason());
  }

  /** Each signature alone must satisfy a role made of only its key: no passenger signatures. */
  static void assertEachSignatureValid(
      JsonNode envelope, JsonNode keysFrom, String role, String type) {
    assertEachSignatureValid(envelope, List.of(keysFrom), role, type);
  }

  /** As above, the keys looked up in any of the given roots (old and new for a rotation). */
  static void assertEachSignatureValid(
      JsonNode envelope, List<JsonNode> keySources, String role, String type) {
    assertFalse(envelope.get("signatures").isEmpty());
    for (JsonNode s : envelope.get("signatures")) {
      String id = s.get("keyid").asText();
      ObjectNode alone = Cli.JSON.createObjectNode();
      JsonNode k = null;
      for (JsonNode src : keySources) {
        k = k != null ? k : src.get("keys").get(id);
      }
      assertTrue(k != null, "key " + id + " is not listed");
      alone.putObject("keys").set(id, k);
      ObjectNode r = alone.putObject("roles").putObject(role);
      r.putArray("keyids").add(id);
      r.put("threshold", 1);
      AktualizrVerifier.Result res = AktualizrVerifier.verifyRole(envelope, alone, role, type);
      assertTrue(res.ok(), "signature by " + id + ": " + res.reason());
    }
  }

  static Set<String> signers(JsonNode envelope) {
    Set<String> ids = new HashSet<>();
    envelope.get("signatures").forEach(s -> ids.add(s.get("keyid").asText()));
    return ids;
  }

  static List<String> ids(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static Set<String> fieldNames(JsonNode n) {
    Set<String> s = new HashSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  private JsonNode fetch(String file) {
    return fetch(server, file);
  }

  /** A file as the server serves it to devices (e.g. {@code 2.root.json}). */
  static JsonNode fetch(TestReposerver server, String file) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + TestReposerver.USER_REPO + file))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), file + ": " + r.body());
      return Cli.parse(r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
