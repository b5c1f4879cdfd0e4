package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14 item 5: roots are checked as devices and the server check them before they are signed,
 * pushed or trusted; key IDs are recomputed; thresholds count distinct keys; targets pull refuses a
 * rollback; targets sign warns about a key the targets role does not list.
 */
class TrustValidationTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String WRONG_ID = "00".repeat(32);

  @TempDir Path home;
  TestReposerver server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  // ---- root sign: structure rules ----

  /** The repo-flow repository with its root as the unsigned root and the old root key local. */
  Path offlineRepo() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path repo = home.resolve("myrepo");
    for (String k : new String[] {"root-old.pub", "root-old.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        readJson(repo.resolve("roles/root.json")).get("signed").toString());
    return repo;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "targets threshold 0|roles.targets.threshold",
        "targets threshold -1|roles.targets.threshold",
        "targets threshold 2|roles.targets.threshold",
        "targets threshold 1.0|roles.targets.threshold",
        "no timestamp role|roles.timestamp",
        "version 1e999|version",
        "version 2147483647|version",
        "unknown key id|roles.snapshot.keyids",
        "wrong key id|keys"
      })
  void rootSignRefusesARootDevicesOrTheServerWouldReject(String spec) throws Exception {
    String[] parts = spec.split("\\|");
    Path repo = offlineRepo();
    String file = Cli.read(repo.resolve("roles/unsigned/root.json"));
    ObjectNode u = (ObjectNode) MetadataJson.parse(file.getBytes(StandardCharsets.UTF_8), "u");
    ObjectNode roles = (ObjectNode) u.get("roles");
    String text;
    switch (parts[0]) {
      case "targets threshold 0" -> text = withTargetsThreshold(u, "0");
      case "targets threshold -1" -> text = withTargetsThreshold(u, "-1");
      case "targets threshold 2" -> text = withTargetsThreshold(u, "2");
      case "targets threshold 1.0" -> text = withTargetsThreshold(u, "1.0");
      case "no timestamp role" -> {
        roles.remove("timestamp");
        text = u.toString();
      }
      case "version 1e999" -> text = u.toString().replace("\"version\":1", "\"version\":1e999");
      case "version 2147483647" ->
          text = u.toString().replace("\"version\":1", "\"version\":2147483647");
      case "unknown key id" -> {
        ((ArrayNode) roles.get("snapshot").get("keyids")).removeAll().add("ab".repeat(32));
        text = u.toString();
      }
      case "wrong key id" -> {
        ObjectNode keys = (ObjectNode) u.get("keys");
        String id = roles.get("timestamp").get("keyids").get(0).asText();
        keys.set(WRONG_ID, keys.remove(id));
        ((ArrayNode) roles.get("timestamp").get("keyids")).removeAll().add(WRONG_ID);
        text = u.toString();
      }
      default -> throw new IllegalArgumentException(spec);
    }
    Cli.write(repo.resolve("roles/unsigned/root.json"), text);
    Map<String, String> before = Cli.snapshot(repo);
    Cli.Result r = Cli.run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old").fails(3);
    String[] lines = r.err().split("\n");
    assertTrue(lines[0].startsWith("error: "), r.err());
    assertTrue(lines[0].contains(parts[1]), r.err());
    assertTrue(r.err().contains("hint: "), r.err());
    assertEquals(before, Cli.snapshot(repo), "nothing written");
  }

  static String withTargetsThreshold(ObjectNode u, String literal) {
    ((ObjectNode) u.get("roles").get("targets")).put("threshold", 777);
    return u.toString().replace("\"threshold\":777", "\"threshold\":" + literal);
  }

  @Test
  void rootSignStillSignsAValidRoot() throws Exception {
    Path repo = offlineRepo();
    Cli.run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old").ok();
    assertEquals(2, readJson(repo.resolve("roles/root.json")).get("signed").get("version").asInt());
  }

  // ---- root push, root pull, verify-root, init, targets pull: against a test server ----

  Repository serverRepo() {
    server = TestReposerver.start();
    return TestRepos.create(home, "myrepo", server);
  }

  /** The server's current root, changed by {@code edit}, as version {@code version}. */
  ObjectNode editedRoot(int version, Consumer<ObjectNode> edit) {
    ObjectNode s = server.root().signed();
    s.put("version", version);
    edit.accept(s);
    return s;
  }

  static SignedMetadata signed(ObjectNode s, TufKeyPair... keys) {
    List<FileSigner> signers =
        java.util.Arrays.stream(keys).map(k -> new FileSigner(k, "test key")).toList();
    return MetadataSigner.sign(SignedMetadata.unsigned(s), signers);
  }

  /** Lists the server's targets key a second time under a wrong key ID, threshold 2. */
  Consumer<ObjectNode> targetsKeyTwice() {
    return s -> {
      String id = server.targetsKey.publicKey().keyId();
      ((ObjectNode) s.get("keys")).set(WRONG_ID, server.targetsKey.publicKey().toJson());
      ObjectNode t = (ObjectNode) s.get("roles").get("targets");
      ((ArrayNode) t.get("keyids")).removeAll().add(id).add(WRONG_ID);
      t.put("threshold", 2);
    };
  }

  @Test
  void rootPushRefusesAThresholdZeroRootAndSendsNothing() throws Exception {
    Repository repo = serverRepo();
    SignedMetadata v2 =
        signed(
            editedRoot(2, s -> ((ObjectNode) s.get("roles").get("targets")).put("threshold", 0)),
            server.rootKey);
    repo.writeSignedRole("root", v2);
    int before = server.requestCount();
    CliRun.Result r = new CliRun(home).run("root", "push", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("roles.targets.threshold"), r.toString());
    assertTrue(
        server.lines(before).stream().noneMatch(l -> l.startsWith("POST")),
        server.lines(before).toString());
    assertEquals(1, server.rootVersion());
  }

  @Test
  void testServerRefusesARootWithRootThresholdZero() throws Exception {
    Repository repo = serverRepo();
    SignedMetadata v2 =
        signed(
            editedRoot(2, s -> ((ObjectNode) s.get("roles").get("root")).put("threshold", 0)),
            server.rootKey);
    // bypass the client's own check: POST the root as another client would
    java.net.http.HttpResponse<String> resp =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(server.url() + TestReposerver.USER_REPO + "root"))
                    .POST(
                        java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                            MetadataJson.compact(v2.toJson())))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(502, resp.statusCode(), resp.body());
    assertTrue(resp.body().contains("invalid threshold for root role version"), resp.body());
    assertEquals(1, server.rootVersion());
    assertTrue(repo.signedRole("root").isPresent());
  }

  @Test
  void rootPullRefusesAServerRootListingAKeyUnderAWrongId() throws Exception {
    Repository repo = serverRepo();
    server.rotateRoot(server.rootKey, List.of(server.rootKey));
    server.replaceRoot(2, signed(editedRoot(2, targetsKeyTwice()), server.rootKey));
    Map<String, String> before = Cli.snapshot(repo.dir());
    CliRun.Result r = new CliRun(home).run("root", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains(WRONG_ID), r.toString());
    assertTrue(r.err().contains("SHA-256"), r.toString());
    assertEquals(before, Cli.snapshot(repo.dir()));
    // --force checks only the signatures, never the structure
    r = new CliRun(home).run("root", "pull", "-r", "myrepo", "--force");
    assertEquals(3, r.exit(), r.toString());
  }

  @Test
  void targetsPullDoesNotCountOneKeyTwiceTowardsTheThreshold() throws Exception {
    Repository repo = serverRepo();
    // the local root lists the targets key under its ID and a wrong one, threshold 2
    repo.writeSignedRole("root", signed(editedRoot(1, targetsKeyTwice()), server.rootKey));
    // the server serves targets v2 signed once by that key, the signature listed twice
    ObjectNode t = server.targets().signed();
    t.put("version", 2);
    SignedMetadata once = signed(t, server.targetsKey);
    TufSignature sig = once.signatures().get(0);
    server.replaceTargets(once.withSignature(new TufSignature(WRONG_ID, sig.method(), sig.sig())));
    Map<String, String> before = Cli.snapshot(repo.dir());
    CliRun.Result r = new CliRun(home).run("targets", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains(WRONG_ID), r.toString());
    assertEquals(before, Cli.snapshot(repo.dir()));
  }

  @Test
  void verifyRootRefusesAKeyUnderAWrongId() throws Exception {
    serverRepo();
    ObjectNode s = editedRoot(1, targetsKeyTwice());
    Path f = home.resolve("candidate.json");
    Files.write(f, MetadataJson.pretty(signed(s, server.rootKey).toJson()));
    CliRun.Result r = new CliRun(home).run("verify-root", "-r", "myrepo", "-i", f.toString());
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains(WRONG_ID), r.toString());
  }

  @Test
  void initRefusesAZipWhoseRootListsAKeyUnderAWrongId() throws Exception {
    serverRepo();
    ObjectNode s = editedRoot(1, targetsKeyTwice());
    Path zip = home.resolve("bad-credentials.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      entry(z, "treehub.json", "{\"no_auth\":true}");
      entry(z, "tufrepo.url", server.url() + "/\n");
      entry(
          z,
          "root.json",
          new String(
              MetadataJson.compact(signed(s, server.rootKey).toJson()), StandardCharsets.UTF_8));
    }
    CliRun.Result r = new CliRun(home).run("init", "-r", "fromzip", "-c", zip.toString());
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains(WRONG_ID), r.toString());
    assertFalse(Files.exists(home.resolve("fromzip/config.json")), "no repository initialised");
    assertFalse(Files.exists(home.resolve("fromzip/roles/root.json")));
  }

  static void entry(ZipOutputStream z, String name, String content) throws Exception {
    z.putNextEntry(new ZipEntry(name));
    z.write(content.getBytes(StandardCharsets.UTF_8));
    z.closeEntry();
  }

  // ---- targets pull: rollback ----

  @Test
  void targetsPullRefusesAnOlderTargetsThanHeldLocallyUnlessForced() throws Exception {
    Repository repo = serverRepo();
    CliRun cli = new CliRun(home);
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    TargetsAndRootCommandsTest.signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    assertEquals(0, cli.run("targets", "push", "-r", "myrepo").exit());
    SignedMetadata v2 = server.targets();
    TargetsAndRootCommandsTest.signTargets(repo, 3, server.targetsKey, "app-2.0.0");
    assertEquals(0, cli.run("targets", "push", "-r", "myrepo").exit());
    // the same (current) targets pulls fine
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());

    server.replaceTargets(v2); // validly signed, but older than the v3 held locally
    Map<String, String> before = Cli.snapshot(repo.dir());
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo");
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("v2"), r.toString());
    assertTrue(r.err().contains("v3"), r.toString());
    assertTrue(r.err().contains("--force"), r.toString());
    assertEquals(before, Cli.snapshot(repo.dir()), "nothing written");

    r = cli.run("targets", "pull", "-r", "myrepo", "--force");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("warning:"), r.toString());
    assertEquals(2, repo.unsignedRole("targets").orElseThrow().get("version").intValue());
  }

  @Test
  void targetsPullAfterAnUnpushedSignStillWorks() throws Exception {
    Repository repo = serverRepo();
    CliRun cli = new CliRun(home);
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    // signed v2 and raised the unsigned version, but never pushed: the server still has v1
    TargetsAndRootCommandsTest.signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    assertEquals(0, cli.run("targets", "increment-version", "-r", "myrepo").exit());
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
  }

  // ---- targets sign: a key the targets role does not list ----

  @Test
  void targetsSignWarnsWhenTheKeyIsNotATargetsKeyOfTheLocalRoot() throws Exception {
    Repository repo = serverRepo();
    CliRun cli = new CliRun(home);
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    repo.keys().writeKeyPair("other", TufKeyPair.generate(KeyType.ED25519, 256));
    CliRun.Result r = cli.run("targets", "sign", "-r", "myrepo", "--key-name", "other");
    assertEquals(0, r.exit(), r.toString());
    String warn = r.err().lines().filter(l -> l.startsWith("warning:")).findFirst().orElse("");
    assertTrue(warn.contains("'other'"), r.err());
    assertTrue(warn.contains("targets role"), r.err());
    assertTrue(warn.contains("reject"), r.err());
    assertTrue(
        r.err().indexOf(warn) < r.err().indexOf("signed targets.json"), "warned before signing");

    r = cli.run("targets", "sign", "-r", "myrepo", "--key-name", "targets");
    assertEquals(0, r.exit(), r.toString());
    assertFalse(r.err().contains("warning:"), r.err());
  }
}
