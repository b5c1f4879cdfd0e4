package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.HostileServer;
import io.garagehsm.server.testserver.HostileServer.Req;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole CLI runs through a malicious server ({@link HostileServer} in front of a {@link
 * TestReposerver}, both on 127.0.0.1) that turns one request hostile (issue 14, items 1–4).
 */
class HostileServerCliTest {
  @TempDir Path home;

  /** A repository for {@code server} whose config.json names {@code front} as the reposerver. */
  static Repository repoBehind(Path home, TestReposerver server, HostileServer front, String auth) {
    ObjectNode a = null;
    if (auth != null) {
      a = MetadataJson.object();
      a.put("server", auth);
      a.put("client_id", "cid");
      a.put("client_secret", "s3cret");
    }
    Repository repo = TestRepos.create(home, "r", server, a, false);
    ObjectNode cfg = repo.config().json().deepCopy();
    cfg.put("reposerver", front.url() + "/");
    repo.writeConfig(new RepoConfig(cfg));
    return repo;
  }

  /**
   * Every file of the repository with its bytes, to show a failed run changed nothing (the lock
   * file, empty and left for the next run, aside).
   */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p :
          s.filter(Files::isRegularFile).filter(p -> !p.endsWith(".garage-hsm.lock")).toList()) {
        m.put(
            dir.relativize(p).toString(),
            new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
      }
    }
    return m;
  }

  private static List<String> errors(CliRun.Result r) {
    return r.err().lines().filter(l -> l.startsWith("error: ")).toList();
  }

  // ---- item 1 ----

  @Test
  void targetsPushAnsweredWithARedirectFails() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = repoBehind(home, server, front, null);
      CliRun cli = new CliRun(home);
      assertEquals(0, cli.run("targets", "pull", "-r", "r").exit());
      TargetsAndRootCommandsTest.signTargets(repo, 2, server.targetsKey, "app-1.0.0");
      front.on(r -> r.is("PUT", "/targets"), 1, HostileServer.redirect(302, server.url() + "/x"));
      CliRun.Result res = cli.run("targets", "push", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      assertEquals(1, errors(res).size(), res.toString());
      assertTrue(errors(res).get(0).startsWith("error: PUT targets got HTTP 302"), res.err());
    }
  }

  // ---- item 2 ----

  @Test
  void uploadRedirectToAnotherPortGetsNoBearerToken() throws Exception {
    try (TestReposerver server = TestReposerver.start().requireOAuth("cid", "s3cret");
        HostileServer front = HostileServer.inFrontOf(server.url());
        HostileServer storage = HostileServer.start()) {
      repoBehind(home, server, front, front.url() + "/auth");
      storage.always(r -> true, HostileServer.status(201));
      front.always(
          r -> r.method().equals("PUT") && r.path().contains("/uploads/"),
          HostileServer.redirect(302, "http://localhost:" + storage.port() + "/blob?sig=x"));
      Path f = Files.write(home.resolve("fw.bin"), new byte[] {1, 2, 3});
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
      Req upload =
          front.requests().stream()
              .filter(r -> r.path().contains("/uploads/"))
              .findFirst()
              .orElseThrow();
      assertTrue(upload.header("authorization").startsWith("Bearer tok-"), "reposerver gets it");
      assertEquals(1, storage.requests().size());
      assertNull(storage.requests().get(0).header("authorization"), "token leaked to storage");
    }
  }

  @Test
  void redirectToAFileUrlIsRefused() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      repoBehind(home, server, front, null);
      front.always(
          r -> r.is("GET", "/root.json"), HostileServer.redirect(302, "file:///etc/passwd"));
      CliRun.Result res = new CliRun(home).run("root", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      assertEquals(1, errors(res).size(), res.toString());
      assertTrue(errors(res).get(0).contains("file:///etc/passwd"), res.err());
      assertTrue(errors(res).get(0).contains("not an http(s) URL: refused"), res.err());
    }
  }

  // ---- item 3 ----

  @Test
  void gzipBombIsCutOffWithOneLine() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = repoBehind(home, server, front, null);
      Map<String, String> before = snapshot(repo.dir());
      front.always(r -> r.is("GET", "/targets.json"), HostileServer.gzipBomb(512L << 20));
      CliRun.Result res =
          new CliRun(home)
              .env("GARAGE_HSM_MAX_RESPONSE_SIZE", "8m")
              .run("targets", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      assertEquals(
          List.of(
              "error: GET targets.json: the answer from "
                  + front.url()
                  + " decodes to more"
                  + " than 8 MiB"),
          errors(res),
          res.toString());
      assertTrue(res.err().contains("hint: raise GARAGE_HSM_MAX_RESPONSE_SIZE"), res.err());
      assertEquals(before, snapshot(repo.dir()));
    }
  }

  @Test
  void oversizedBodyIsCutOff() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = repoBehind(home, server, front, null);
      Map<String, String> before = snapshot(repo.dir());
      front.always(r -> r.is("GET", "/root.json"), HostileServer.huge(64L << 20));
      CliRun.Result res =
          new CliRun(home).env("GARAGE_HSM_MAX_RESPONSE_SIZE", "1m").run("root", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      assertEquals(
          List.of("error: GET root.json: the answer from " + front.url() + " is more than 1 MiB"),
          errors(res),
          res.toString());
      assertEquals(before, snapshot(repo.dir()));
    }
  }

  @Test
  void tricklingBodyIsCutOffAtTheDeadline() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = repoBehind(home, server, front, null);
      Map<String, String> before = snapshot(repo.dir());
      byte[] body = new byte[200];
      java.util.Arrays.fill(body, (byte) ' ');
      front.always(
          r -> r.is("GET", "/root.json"), HostileServer.trickle(body, Duration.ofMillis(100)));
      CliRun.Result res =
          new CliRun(home)
              .env("GARAGE_HSM_REQUEST_TIMEOUT", "1s")
              .env("GARAGE_HSM_RETRIES", "0")
              .run("root", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      assertEquals(1, errors(res).size(), res.toString());
      assertTrue(
          errors(res).get(0).startsWith("error: GET root.json got no answer from " + front.url()),
          res.err());
      assertTrue(errors(res).get(0).endsWith("timed out"), res.err());
      assertEquals(before, snapshot(repo.dir()));
    }
  }

  // ---- item 4 ----

  @Test
  void eachRetryIsOneLine() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      repoBehind(home, server, front, null);
      front.on(r -> r.is("GET", "/root.json"), 2, HostileServer.status(503));
      CliRun.Result res =
          new CliRun(home).env("GARAGE_HSM_RETRIES", "6").run("root", "pull", "-r", "r");
      assertEquals(0, res.exit(), res.toString());
      List<String> retries =
          res.err().lines().filter(l -> l.startsWith("warning:") && l.contains("attempt")).toList();
      assertEquals(
          List.of(
              "warning: GET root.json failed (HTTP 503, "
                  + front.url()
                  + "); attempt 2 of 7 in 10ms",
              "warning: GET root.json failed (HTTP 503, "
                  + front.url()
                  + "); attempt 3 of 7 in 20ms"),
          retries,
          res.err());
    }
  }

  @Test
  void retriesStopAtTheRetryTime() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      repoBehind(home, server, front, null);
      front.always(r -> r.is("GET", "/root.json"), HostileServer.status(503));
      CliRun.Result res =
          new CliRun(home)
              .env("GARAGE_HSM_RETRIES", "10")
              .env("GARAGE_HSM_RETRY_WAIT", "100ms")
              .env("GARAGE_HSM_RETRY_TIME", "1s")
              .run("root", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      // waits 100 + 200 + 400 ms fit into 1 s, the next 800 ms would not: 4 attempts
      assertEquals(4, front.requests().size(), front.lines().toString());
      assertEquals(
          3,
          res.err().lines().filter(l -> l.startsWith("warning:") && l.contains("attempt")).count(),
          res.err());
      assertTrue(res.err().contains("attempt 4 of 4 in 400ms"), res.err());
    }
  }

  @Test
  void refusedConnectionIsRetriedBrieflyAndVisibly() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      Repository repo = TestRepos.create(home, "r", server);
      int closed;
      try (ServerSocket s = new ServerSocket(0)) {
        closed = s.getLocalPort();
      }
      ObjectNode cfg = repo.config().json().deepCopy();
      cfg.put("reposerver", "http://127.0.0.1:" + closed + "/");
      repo.writeConfig(new RepoConfig(cfg));
      CliRun.Result res =
          new CliRun(home).env("GARAGE_HSM_RETRIES", "6").run("root", "pull", "-r", "r");
      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      List<String> retries =
          res.err().lines().filter(l -> l.startsWith("warning:") && l.contains("attempt")).toList();
      assertEquals(2, retries.size(), res.err());
      assertTrue(retries.get(0).contains("connection refused"), res.err());
      assertTrue(retries.get(1).endsWith("attempt 3 of 3 in 20ms"), res.err());
      assertTrue(errors(res).get(0).contains("after 3 attempts"), res.err());
      assertFalse(res.err().contains("Exception"), res.err());
    }
  }
}
