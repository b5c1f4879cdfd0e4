package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flows of compat spec Appendix C (what the real reposerver + keyserver answer), through the
 * test server, which behaves the same way: targets v1 created on first access, keys dropped by the
 * keyserver when a root no longer lists them, the root chain, the pull lock-out after a rotation,
 * and uploads refused by a server with local storage.
 */
class RealServerFlowsTest {
  @TempDir Path tmp;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpResponse<String> call(TestReposerver server, String method, String path)
      throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(server.url() + TestReposerver.USER_REPO + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theFirstTargetsPullCreatesV1SignedByTheOnlineTargetsKey() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      Repository repo = TestRepos.create(tmp, "r", server);
      assertFalse(server.hasTargets(), "no targets.json before the first access");
      CliRun.Result r = new CliRun(tmp).run("targets", "pull", "-r", "r");
      assertEquals(0, r.exit(), r.toString());
      SignedMetadata t = server.targets();
      assertEquals(1, t.version());
      assertEquals(
          List.of(server.targetsKey.publicKey().keyId()),
          t.signatures().stream().map(s -> s.keyId()).toList());
      assertEquals(1, repo.unsignedRole("targets").orElseThrow().get("version").intValue());
    }
  }

  @Test
  void afterARotationTheServerAnswersAsTheRealKeyserverAndPullSaysToSignWithTheNewKey()
      throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      Repository repo = TestRepos.create(tmp, "r", server);
      repo.keys().writeKeyPair("newroot", TufKeyPair.generate(KeyType.ED25519, 256));
      repo.keys().writeKeyPair("newtargets", TufKeyPair.generate(KeyType.ED25519, 256));
      CliRun cli = new CliRun(tmp);
      CliRun.Result r =
          cli.run(
              "move-offline",
              "-r",
              "r",
              "--new-root",
              "newroot",
              "--new-targets",
              "newtargets",
              "--old-root-alias",
              "origroot");
      assertEquals(0, r.exit(), r.toString());
      String oldRoot = server.rootKey.publicKey().keyId();
      String oldTargets = server.targetsKey.publicKey().keyId();

      // the root chain: 1.root.json and 2.root.json; v2 keeps the online snapshot/timestamp keys
      assertEquals(200, call(server, "GET", "1.root.json").statusCode());
      HttpResponse<String> v2 = call(server, "GET", "2.root.json");
      assertEquals(200, v2.statusCode());
      RootRole rr =
          RootRole.of(
              SignedMetadata.fromJson(MetadataJson.parse(v2.body().getBytes(), "v2"), "v2"), "v2");
      assertEquals(List.of(server.snapshotKey.publicKey().keyId()), rr.role("snapshot").keyIds());
      assertEquals(List.of(server.timestampKey.publicKey().keyId()), rr.role("timestamp").keyIds());
      assertTrue(server.holdsPrivateKey(server.snapshotKey.publicKey().keyId()));
      assertTrue(server.holdsPrivateKey(server.timestampKey.publicKey().keyId()));

      // the keyserver dropped the old root and targets keys when it accepted v2
      for (String id : List.of(oldRoot, oldTargets)) {
        assertFalse(server.holdsPrivateKey(id));
        assertEquals(404, call(server, "GET", "root/private_keys/" + id).statusCode());
        HttpResponse<String> del = call(server, "DELETE", "root/private_keys/" + id);
        assertEquals(502, del.statusCode());
        JsonNode e = MetadataJson.parse(del.body().getBytes(), "error");
        assertEquals("missing_entity", e.path("code").asText());
        String d = e.path("description").asText();
        assertTrue(d.startsWith("KeyserverHttpClient|Unexpected response from remote server"), d);
        assertTrue(d.endsWith("/private_keys/" + id + "|DELETE|404|Missing entity: Key"), d);
      }

      // targets pull right after the rotation: still signed by the old targets key
      r = cli.run("targets", "pull", "-r", "r");
      assertEquals(1, r.exit(), r.toString());
      assertTrue(r.err().contains("not found in authoritative role"), r.err());
      assertTrue(r.err().contains("sign and push targets with the new key"), r.err());
      assertTrue(r.err().contains("--key-name newtargets"), r.err());

      // until a targets v+1 signed with the new key is pushed
      TargetsAndRootCommandsTest.signTargets(
          repo, 2, repo.keys().keyPair("newtargets"), "app-1.0.0");
      assertEquals(0, cli.run("targets", "push", "-r", "r").exit());
      r = cli.run("targets", "pull", "-r", "r");
      assertEquals(0, r.exit(), r.toString());
    }
  }

  @Test
  void anUploadRefusedByAServerWithLocalStorageIsOneClearError() throws Exception {
    try (TestReposerver server = TestReposerver.start().localStorage()) {
      TestRepos.create(tmp, "r", server);
      Path f = tmp.resolve("fw.bin");
      Files.writeString(f, "firmware");
      int before = server.requestCount();
      CliRun.Result r =
          new CliRun(tmp)
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
      assertEquals(3, r.exit(), r.toString());
      List<String> lines = r.err().lines().toList();
      assertEquals(2, lines.size(), r.err());
      assertTrue(lines.get(0).startsWith("error: the server at " + server.url()), r.err());
      assertTrue(lines.get(0).contains("does not accept uploads"), r.err());
      assertTrue(lines.get(0).contains("local storage"), r.err());
      assertTrue(lines.get(1).startsWith("hint: this is a setting of the reposerver"), r.err());
      assertFalse(r.err().contains("run the command again later"), r.err());
      assertEquals(
          List.of("POST multipart/initiate/fw-1.0", "PUT uploads/fw-1.0"), server.lines(before));
    }
  }
}
