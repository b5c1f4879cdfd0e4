package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.Recorded;
import io.garagehsm.server.testserver.TestTls;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OAuth2 (both token URL styles), mutual TLS, uploads and delegations over loopback. */
class AuthUploadDelegationTest {
  @TempDir Path home;

  private static ObjectNode oauth(String server, String scope) {
    ObjectNode a = MetadataJson.object();
    a.put("server", server);
    a.put("client_id", "cid");
    a.put("client_secret", "s3cret");
    if (scope != null) {
      a.put("scope", scope);
    }
    return a;
  }

  @Test
  void oauth2LegacyTokenUrlSendsNoScope() {
    try (TestReposerver server = TestReposerver.start().requireOAuth("cid", "s3cret")) {
      TestRepos.create(home, "r", server, oauth(server.url() + "/auth", "ignored"), false);
      CliRun.Result res = new CliRun(home).run("targets", "pull", "-r", "r");
      assertEquals(0, res.exit(), res.toString());
      List<Recorded> reqs = server.requests();
      assertEquals("/auth/token", reqs.get(0).path());
      assertEquals("POST", reqs.get(0).method());
      assertEquals(
          "grant_type=client_credentials", new String(reqs.get(0).body(), StandardCharsets.UTF_8));
      assertTrue(reqs.get(0).header("authorization").startsWith("Basic "));
      assertTrue(reqs.get(1).header("authorization").startsWith("Bearer tok-"));
    }
  }

  @Test
  void oauth2CognitoTokenUrlSendsScopeAndOneTokenPerRun() {
    try (TestReposerver server = TestReposerver.start().requireOAuth("cid", "s3cret")) {
      Repository repo =
          TestRepos.create(
              home, "r", server, oauth(server.url() + "/oauth2/token", "ota/api"), false);
      CliRun cli = new CliRun(home);
      assertEquals(0, cli.run("targets", "pull", "-r", "r").exit());
      TargetsAndRootCommandsTest.signTargets(repo, 2, server.targetsKey, "app-1.0.0");
      assertEquals(0, cli.run("targets", "push", "-r", "r").exit());
      List<Recorded> reqs = server.requests();
      assertEquals("/oauth2/token", reqs.get(0).path());
      assertEquals(
          "grant_type=client_credentials&scope=ota%2Fapi",
          new String(reqs.get(0).body(), StandardCharsets.UTF_8));
      assertEquals(4, reqs.size()); // token, GET, token, PUT: one token per run
    }
  }

  @Test
  void oauth2WrongSecretIsExplained() {
    try (TestReposerver server = TestReposerver.start().requireOAuth("cid", "other")) {
      TestRepos.create(home, "r", server, oauth(server.url() + "/auth", null), false);
      CliRun.Result res = new CliRun(home).run("root", "pull", "-r", "r");
      assertEquals(3, res.exit(), res.toString());
      assertTrue(res.err().contains("OAuth2 token request failed: HTTP 401"), res.err());
      assertTrue(res.err().contains("hint: the server refused the credentials"), res.err());
    }
  }

  @Test
  void mutualTlsWithEmptyPasswordPkcs12() throws Exception {
    TestTls tls = TestTls.create(home.resolve("tls-material"));
    try (TestReposerver server = TestReposerver.startTls(tls.serverContext(), true)) {
      ObjectNode auth = MetadataJson.object();
      auth.put("certPath", "client_auth.p12");
      auth.put("serverCertPath", "server.p12");
      Repository repo = TestRepos.create(home, "tls", server, auth, false);
      // client_auth.p12 and server.p12 with an empty password, as in credentials.zip
      Files.write(repo.dir().resolve("client_auth.p12"), tls.clientAuthP12());
      Files.write(repo.dir().resolve("server.p12"), tls.serverP12());

      CliRun.Result res = new CliRun(home).run("root", "pull", "-r", "tls");
      assertEquals(0, res.exit(), res.toString());
      assertTrue(server.url().startsWith("https://"));
      assertNull(server.requests().get(0).header("authorization"));
      assertEquals(TestTls.clientSubject(), server.requests().get(0).clientCertificate());

      // without the client certificate the handshake fails, explained
      Files.delete(repo.dir().resolve("client_auth.p12"));
      res = new CliRun(home).env("GARAGE_HSM_RETRIES", "0").run("root", "pull", "-r", "tls");
      assertEquals(3, res.exit(), res.toString());
      assertTrue(res.err().contains("mutual TLS") || res.err().contains("no answer"), res.err());
    }
  }

  private static Path binary(Path dir, int size) throws Exception {
    byte[] data = new byte[size];
    new Random(42).nextBytes(data);
    Path f = dir.resolve("fw.bin");
    Files.write(f, data);
    return f;
  }

  @Test
  void uploadFallsBackFrom501ToPutAndFollows302() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      TestRepos.create(home, "r", server);
      Path f = binary(home, 3000);
      int before = server.requestCount();
      CliRun.Result res =
          new CliRun(home)
              .run(
                  "targets",
                  "upload",
                  "-r",
                  "r",
                  "-i",
                  f.toString(),
                  "--name",
                  "fw",
                  "--version",
                  "1.0");
      assertEquals(0, res.exit(), res.toString());
      assertEquals(
          List.of("POST multipart/initiate/fw-1.0", "PUT uploads/fw-1.0", "PUT /storage/fw-1.0"),
          server.lines(before));
      assertEquals("fileSize=3000", server.requests().get(before).query());
      assertArrayEquals(Files.readAllBytes(f), server.stored("fw-1.0"));
    }
  }

  @Test
  void multipartUploadSendsPartsWithContentMd5AndRetries() throws Exception {
    try (TestReposerver server = TestReposerver.start().enableMultipart()) {
      TestRepos.create(home, "r", server);
      Path f = binary(home, 2500); // three parts of at most 1024 bytes
      server.inject(r -> r.path().startsWith("/parts/"), TestReposerver.Fault.status(503), 1);
      int before = server.requestCount();
      CliRun.Result res =
          new CliRun(home)
              .run(
                  "targets",
                  "upload",
                  "-r",
                  "r",
                  "-i",
                  f.toString(),
                  "--name",
                  "fw",
                  "--version",
                  "2.0");
      assertEquals(0, res.exit(), res.toString());
      List<String> lines = server.lines(before);
      assertEquals("POST multipart/initiate/fw-2.0", lines.get(0));
      assertEquals("PUT multipart/complete/fw-2.0", lines.get(lines.size() - 1));
      assertEquals(3, lines.stream().filter(l -> l.startsWith("GET multipart/url/")).count());
      assertEquals(4, lines.stream().filter(l -> l.startsWith("PUT /parts/")).count());
      assertArrayEquals(Files.readAllBytes(f), server.stored("fw-2.0"));
      Recorded complete = server.requests().get(server.requestCount() - 1);
      assertTrue(
          new String(complete.body(), StandardCharsets.UTF_8)
              .contains("\"partETags\":[{\"part\":1"));
    }
  }

  @Test
  void delegationsPushAndPull() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      TestRepos.create(home, "r", server);
      ObjectNode d = MetadataJson.object();
      d.put("_type", "Targets");
      d.put("expires", "2030-01-01T00:00:00Z");
      d.putObject("targets");
      d.put("version", 1);
      SignedMetadata md =
          MetadataSigner.sign(
              SignedMetadata.unsigned(d), List.of(new FileSigner(server.targetsKey, "k")));
      Path in = home.resolve("d1.json");
      Files.write(in, MetadataJson.pretty(md.toJson()));
      CliRun cli = new CliRun(home);
      CliRun.Result res =
          cli.run("delegations", "push", "-r", "r", "-n", "d1", "-i", in.toString());
      assertEquals(0, res.exit(), res.toString());
      Recorded put = server.requests().get(server.requestCount() - 1);
      assertEquals("/api/v1/user_repo/delegations/d1.json", put.path());
      assertEquals("application/json", put.header("content-type"));
      Path out = home.resolve("pulled.json");
      res = cli.run("delegations", "pull", "-r", "r", "-n", "d1", "-o", out.toString());
      assertEquals(0, res.exit(), res.toString());
      assertEquals(
          CanonicalJson.encodeToString(md.toJson()),
          CanonicalJson.encodeToString(MetadataJson.read(out)));
      res = cli.run("delegations", "pull", "-r", "r", "-n", "missing");
      assertEquals(3, res.exit(), res.toString());
      assertTrue(res.err().contains("HTTP 404 delegation_not_found"), res.err());
      res = cli.run("delegations", "pull", "-r", "r", "-n", "../x");
      assertEquals(255, res.exit(), res.toString());

      // issue 10: --json results (parsed, fields checked); stdout of a plain pull unchanged
      res = cli.run("delegations", "push", "-r", "r", "-n", "d1", "-i", in.toString(), "--json");
      assertEquals(0, res.exit(), res.toString());
      JsonNode pushed = MetadataJson.parse(res.out().getBytes(StandardCharsets.UTF_8), "out");
      assertEquals("delegations push", pushed.path("command").asText());
      assertEquals("d1", pushed.path("role").asText());
      assertEquals(1, pushed.path("version").asInt());
      assertEquals("2030-01-01T00:00:00Z", pushed.path("expires").asText());
      assertEquals(md.signatures().get(0).keyId(), pushed.path("keyids").get(0).asText());
      assertTrue(
          res.err()
              .strip()
              .endsWith(
                  "Pushed delegation d1 v1, expires" + " 2030-01-01T00:00:00Z, 1 signature(s)"),
          res.err());
      res = cli.run("delegations", "pull", "-r", "r", "-n", "d1", "-o", out.toString(), "--json");
      assertEquals(0, res.exit(), res.toString());
      JsonNode pulled = MetadataJson.parse(res.out().getBytes(StandardCharsets.UTF_8), "out");
      assertEquals(out.toString(), pulled.path("output").asText());
      assertEquals(1, pulled.path("version").asInt());
      res = cli.run("delegations", "pull", "-r", "r", "-n", "d1");
      assertEquals(0, res.exit(), res.toString());
      assertEquals(MetadataJson.prettyString(md.toJson()) + "\n", res.out());
      res = cli.run("delegations", "pull", "-r", "r", "-n", "d1", "--json");
      assertEquals(255, res.exit(), res.toString());
    }
  }
}
