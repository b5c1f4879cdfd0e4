package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.Fault;
import io.garagehsm.server.testserver.TestReposerver.Recorded;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** targets pull/push, root pull/push, retries, timeouts, gzip: real HTTP on loopback. */
class TargetsAndRootCommandsTest {
  @TempDir Path home;
  TestReposerver server;
  Repository repo;
  CliRun cli;

  @BeforeEach
  void setUp() {
    server = TestReposerver.start();
    repo = TestRepos.create(home, "myrepo", server);
    cli = new CliRun(home);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  /** Adds a target to the unsigned targets and signs it as version {@code version}. */
  static SignedMetadata signTargets(Repository repo, int version, TufKeyPair key, String name) {
    ObjectNode u = repo.unsignedRole("targets").orElseThrow();
    ObjectNode t = ((ObjectNode) u.get("targets")).putObject(name);
    t.putObject("hashes")
        .put("sha256", "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f");
    t.put("length", 32);
    ObjectNode c = t.putObject("custom");
    c.put("name", name);
    c.put("version", "1.0.0");
    c.putArray("hardwareIds").add("board-a");
    c.put("targetFormat", "BINARY");
    c.putNull("uri");
    c.put("createdAt", "2026-01-01T00:00:00Z");
    c.put("updatedAt", "2026-01-01T00:00:00Z");
    c.put("cliUploaded", false);
    repo.writeUnsignedRole("targets", u);
    u.put("version", version);
    SignedMetadata md =
        MetadataSigner.sign(SignedMetadata.unsigned(u), List.of(new FileSigner(key, "test key")));
    repo.writeSignedRole("targets", md);
    return md;
  }

  @Test
  void pullSignPushThenPushAgainWithoutPull() throws Exception {
    int before = server.requestCount();
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("Pulled targets"), r.err());
    // request shape as in vectors/repo-flow/requests.txt [1]
    Recorded get = server.requests().get(before);
    assertEquals("GET", get.method());
    assertEquals("/api/v1/user_repo/targets.json", get.path());
    assertEquals("gzip, deflate", get.header("accept-encoding"));
    // files: checksum = server checksum, unsigned = server's signed part
    assertEquals(server.targetsChecksum(), Files.readString(repo.targetsChecksumFile()));
    assertEquals(
        CanonicalJson.encodeToString(server.targets().signed()),
        CanonicalJson.encodeToString(repo.unsignedRole("targets").orElseThrow()));

    String sum1 = server.targetsChecksum();
    SignedMetadata v2 = signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("Pushed targets"), r.err());
    Recorded put = server.requests().get(server.requestCount() - 1);
    assertEquals("PUT", put.method());
    assertEquals("/api/v1/user_repo/targets", put.path());
    assertEquals("application/json", put.header("content-type"));
    assertEquals(sum1, put.header("x-ats-role-checksum"));
    assertEquals(
        new String(MetadataJson.compact(v2.toJson()), java.nio.charset.StandardCharsets.UTF_8),
        new String(put.body(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(2, server.targets().version());
    // the returned checksum was saved (garage-sign would keep the stale one)
    assertEquals(server.targetsChecksum(), Files.readString(repo.targetsChecksumFile()));
    assertEquals(2, repo.unsignedRole("targets").orElseThrow().get("version").intValue());

    // second push without a pull works
    signTargets(repo, 3, server.targetsKey, "app-2.0.0");
    r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertEquals(3, server.targets().version());
  }

  @Test
  void staleChecksumExits2WithGuidance() throws Exception {
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    repo.writeTargetsChecksum("0".repeat(64));
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    CliRun.Result r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("Did you run `targets pull` ?"), r.err());
    assertTrue(r.err().contains("hint: "), r.err());
    assertEquals(1, server.targets().version());
  }

  @Test
  void http428Exits2() {
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    server.inject(TestReposerver.on("PUT", "targets"), Fault.status(428), 1);
    CliRun.Result r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(2, r.exit(), r.toString());
  }

  @Test
  void pushWithoutChecksumFailsBeforeAnyRequest() {
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    repo.targetsChecksumFile().toFile().delete();
    int before = server.requestCount();
    CliRun.Result r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("targets.json.checksum does not exist"), r.err());
    assertTrue(r.err().contains("hint: run 'targets pull -r myrepo'"), r.err());
    assertEquals(before, server.requestCount());
  }

  @Test
  void wrongKeyAndVersionAreRejectedWithReasons() {
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 2, TufKeyPair.generate(KeyType.ED25519, 256), "app-1.0.0");
    CliRun.Result r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("invalid_offline_targets"), r.err());
    assertTrue(r.err().contains("not found in authoritative role"), r.err());

    signTargets(repo, 5, server.targetsKey, "app-1.0.0");
    r = cli.run("targets", "push", "-r", "myrepo");
    // issue 10: a version conflict is fixed by pulling and signing again, so exit 2 (was 3)
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("invalid_version_bump"), r.err());
  }

  /** Issue 10: the same signed file pushed twice gets the real server's 409, which exits 2. */
  @Test
  void staleSecondPushOfTheSameFileExits2WithThePullHint() throws Exception {
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    assertEquals(0, cli.run("targets", "push", "-r", "myrepo").exit());
    String saved = Files.readString(repo.targetsChecksumFile());
    CliRun.Result r = cli.run("targets", "push", "-r", "myrepo");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("Cannot bump version from 2 to 2"), r.err());
    assertTrue(
        r.err()
            .contains(
                "hint: the version must be the server's version + 1: run 'targets pull"
                    + " -r myrepo', sign again and push"),
        r.err());
    assertEquals(2, server.targets().version());
    assertEquals(saved, Files.readString(repo.targetsChecksumFile()), "checksum kept");
    // and the advice works: pull, sign again, push
    assertEquals(0, cli.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 3, server.targetsKey, "app-1.0.0");
    assertEquals(0, cli.run("targets", "push", "-r", "myrepo").exit());
    assertEquals(3, server.targets().version());
  }

  /** Issue 10: pull and push say what happened and print it as JSON with --json. */
  @Test
  void pullAndPushReportVersionAndChecksumAsJson() throws Exception {
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo", "--json");
    assertEquals(0, r.exit(), r.toString());
    JsonNode pulled = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertEquals("targets pull", pulled.path("command").asText());
    assertEquals(1, pulled.path("version").asInt());
    assertEquals(server.targetsChecksum(), pulled.path("checksum").asText());
    assertFalse(pulled.path("checksumOnly").asBoolean());
    assertEquals(2, pulled.path("written").size());
    String[] lines = r.err().split("\n");
    assertTrue(lines[lines.length - 1].startsWith("Pulled targets.json v1, expires "), r.err());

    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    r = cli.run("targets", "push", "-r", "myrepo", "--json");
    assertEquals(0, r.exit(), r.toString());
    JsonNode pushed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertEquals("targets push", pushed.path("command").asText());
    assertEquals(2, pushed.path("version").asInt());
    assertEquals(server.targetsChecksum(), pushed.path("checksum").asText());
    assertEquals(
        server.targets().signed().path("expires").asText(), pushed.path("expires").asText());
    lines = r.err().split("\n");
    assertTrue(lines[lines.length - 1].startsWith("Pushed targets.json v2, expires "), r.err());

    r = cli.run("targets", "pull", "-r", "myrepo", "--checksum-only", "--json");
    assertEquals(0, r.exit(), r.toString());
    JsonNode sum = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertTrue(sum.path("checksumOnly").asBoolean());
    assertEquals(2, sum.path("version").asInt());
  }

  @Test
  void expiringOfflineRoleWarnsOnPullAndPush() {
    // the server's targets expire in 31 days; 5 days later they expire within 30
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(5)), ZoneOffset.UTC);
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo");
    assertFalse(r.err().contains("warning"), r.err());
    r = new CliRun(home).clock(later).run("targets", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("warning: targets.json v1 expires at"), r.err());
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    r = new CliRun(home).clock(later).run("targets", "push", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("warning: targets.json v2 expires at"), r.err());
  }

  @Test
  void gzipLargeBodiesAndGzipAnswers() {
    server.gzipResponses();
    CliRun gz = new CliRun(home).env("CLI_GZIP_MIN_BYTES", "100");
    assertEquals(0, gz.run("targets", "pull", "-r", "myrepo").exit());
    signTargets(repo, 2, server.targetsKey, "app-1.0.0");
    CliRun.Result r = gz.run("targets", "push", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    Recorded put = server.requests().get(server.requestCount() - 1);
    assertTrue(put.gzipped());
    assertEquals("gzip", put.header("content-encoding"));
    assertEquals(2, server.targets().version());
    // below the default threshold nothing is gzipped
    signTargets(repo, 3, server.targetsKey, "app-2.0.0");
    assertEquals(0, cli.run("targets", "push", "-r", "myrepo").exit());
    assertFalse(server.requests().get(server.requestCount() - 1).gzipped());
  }

  @Test
  void getRetriesOn503ButPostIsNeverRetried() {
    server.inject(TestReposerver.on("GET", "root.json"), Fault.status(503), 2);
    int before = server.requestCount();
    CliRun.Result r = cli.run("root", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertEquals(List.of("GET root.json", "GET root.json", "GET root.json"), server.lines(before));

    // a dropped connection on GET is retried too
    server.inject(TestReposerver.on("GET", "root.json"), Fault.drop(), 1);
    before = server.requestCount();
    assertEquals(0, cli.run("root", "pull", "-r", "myrepo").exit());
    assertEquals(2, server.lines(before).size());

    TufKeyPair newRoot = TufKeyPair.generate(KeyType.ED25519, 256);
    writeRotatedRoot(newRoot, List.of(server.rootKey, newRoot));
    server.inject(TestReposerver.on("POST", "root"), Fault.status(503), 1);
    before = server.requestCount();
    r = cli.run("root", "push", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertEquals(List.of("POST root"), server.lines(before));
    assertTrue(r.err().contains("HTTP 503"), r.err());
  }

  @Test
  void retriesAreBounded() {
    server.inject(TestReposerver.on("GET", "targets.json"), Fault.status(503), 100);
    int before = server.requestCount();
    CliRun.Result r = cli.run("targets", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertEquals(3, server.lines(before).size()); // 1 + GARAGE_HSM_RETRIES=2
    assertTrue(r.err().contains("HTTP 503"), r.err());
  }

  @Test
  void timeoutAndRefusedConnectionAreExplained() {
    server.inject(TestReposerver.on("GET", "root.json"), Fault.delay(Duration.ofSeconds(3)), 5);
    CliRun.Result r =
        new CliRun(home)
            .env("GARAGE_HSM_REQUEST_TIMEOUT", "300ms")
            .env("GARAGE_HSM_RETRIES", "1")
            .run("root", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("timed out"), r.err());
    assertTrue(r.err().contains("after 2 attempts"), r.err());

    server.stop();
    r = cli.run("targets", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("got no answer from http://127.0.0.1:"), r.err());
    assertTrue(r.err().contains("hint: check the network"), r.err());
  }

  @Test
  void rootPullSameVersionWritesBothFiles() throws Exception {
    int before = server.requestCount();
    CliRun.Result r = cli.run("root", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("Pulled root.json"));
    assertEquals(List.of("GET root.json"), server.lines(before));
    assertEquals(
        CanonicalJson.encodeToString(server.root().signed()),
        CanonicalJson.encodeToString(repo.unsignedRole("root").orElseThrow()));
  }

  @Test
  void rootPullValidatesTheChain() {
    TufKeyPair k2 = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair k3 = TufKeyPair.generate(KeyType.RSA, 2048);
    server.rotateRoot(k2, List.of(server.rootKey, k2));
    server.rotateRoot(k3, List.of(k2, k3));
    int before = server.requestCount();
    CliRun.Result r = cli.run("root", "pull", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertEquals(List.of("GET root.json", "GET 2.root.json"), server.lines(before));
    assertEquals(3, repo.signedRole("root").orElseThrow().version());
  }

  @Test
  void rootPullRejectsABrokenChain() throws Exception {
    Path rootFile = repo.signedFile("root");
    String v1 = Files.readString(rootFile);
    TufKeyPair k2 = TufKeyPair.generate(KeyType.ED25519, 256);
    server.rotateRoot(k2, List.of(k2)); // not signed by the v1 root key
    CliRun.Result r = cli.run("root", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(
        r.err().contains("root v2 is not signed by a threshold of the root keys of v1"), r.err());
    assertEquals(v1, Files.readString(rootFile)); // nothing written
    // --force checks only the server root's own signatures
    r = cli.run("root", "pull", "-r", "myrepo", "--force");
    assertEquals(0, r.exit(), r.toString());
    assertEquals(2, repo.signedRole("root").orElseThrow().version());
  }

  @Test
  void rootPullRejectsDifferentContentAtSameVersion() {
    SignedMetadata local = repo.signedRole("root").orElseThrow();
    RootRole edited = RootRole.of(local, "r").withExpires(Instant.parse("2030-01-01T00:00:00Z"));
    repo.writeSignedRole(
        "root",
        MetadataSigner.sign(
            SignedMetadata.unsigned(edited.json()), List.of(new FileSigner(server.rootKey, "k"))));
    CliRun.Result r = cli.run("root", "pull", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("differs from the local roles/root.json"), r.err());
  }

  private SignedMetadata writeRotatedRoot(TufKeyPair newRoot, List<TufKeyPair> signers) {
    RootRole cur = RootRole.of(server.root(), "root");
    RootRole next =
        cur.withKeysAdded("root", List.of(newRoot.publicKey())).withVersion(cur.version() + 1);
    SignedMetadata md = SignedMetadata.unsigned(next.json());
    for (TufKeyPair k : signers) {
      md = MetadataSigner.sign(md, List.of(new FileSigner(k, "k")));
    }
    repo.writeSignedRole("root", md);
    return md;
  }

  @Test
  void rootPushAcceptedAndRejectedWithReasons() {
    TufKeyPair newRoot = TufKeyPair.generate(KeyType.RSA, 2048);
    writeRotatedRoot(newRoot, List.of(server.rootKey, newRoot));
    int before = server.requestCount();
    CliRun.Result r = cli.run("root", "push", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("Pushed root.json"));
    Recorded post = server.requests().get(before);
    assertEquals("/api/v1/user_repo/root", post.path());
    assertEquals("application/json", post.header("content-type"));
    assertEquals(2, server.rootVersion());

    // version +2 and an extra field: the server lists both reasons, exit 1
    RootRole cur = RootRole.of(server.root(), "root");
    ObjectNode bad = cur.withVersion(cur.version() + 2).json();
    bad.put("spec_version", "1.0");
    SignedMetadata md =
        MetadataSigner.sign(
            SignedMetadata.unsigned(bad),
            List.of(new FileSigner(server.rootKey, "k"), new FileSigner(newRoot, "n")));
    repo.writeSignedRole("root", md);
    r = cli.run("root", "push", "-r", "myrepo");
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("an incompatible encoder was used to encode root.json"), r.err());
    assertTrue(r.err().contains("Invalid version bump from 2 to 4"), r.err());
    assertTrue(r.err().contains("  - "), r.err());
  }

  @Test
  void rootPushChecksLocallyFirst() {
    TufKeyPair newRoot = TufKeyPair.generate(KeyType.ED25519, 256);
    writeRotatedRoot(newRoot, List.of()); // unsigned
    int before = server.requestCount();
    CliRun.Result r = cli.run("root", "push", "-r", "myrepo");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("is not signed by a threshold of its own root role"), r.err());
    assertEquals(before, server.requestCount());
  }

  @Test
  void getTargetsPrintsTheServersTargets() {
    CliRun.Result r = cli.run("get-targets", "-r", "myrepo");
    assertEquals(0, r.exit(), r.toString());
    SignedMetadata printed = SignedMetadata.fromJson(MetadataJson.parse(r.out(), "out"), "out");
    assertEquals(server.targetsChecksum(), printed.checksum());
    assertNotNull(printed.signed().get("targets"));
  }
}
