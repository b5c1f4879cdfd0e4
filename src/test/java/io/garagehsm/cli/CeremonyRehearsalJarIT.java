package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.server.testserver.TestReposerver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/ceremony-rehearsal.sh as a user runs it, against a test reposerver: a 2-of-3 root
 * rotation with three SoftHSM2 tokens and an offline targets bundle. The server must hold what the
 * rehearsal made, and the root chain v1 → v2 → v3 and the targets must pass the independent
 * aktualizr-style verifier. Runs after packaging (the script uses the shaded jar).
 */
class CeremonyRehearsalJarIT {
  @TempDir Path tmp;

  @Test
  void theRehearsalRotatesTheRootToTwoOfThreeTokensAndTheServerAcceptsIt() throws Exception {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    Path jar = Path.of(jarProp);
    assertTrue(Files.isRegularFile(jar), jar + " missing: run 'package' first");

    try (TestReposerver server = TestReposerver.start()) {
      Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
      Path work = tmp.resolve("work");
      ProcessBuilder pb =
          new ProcessBuilder(
              "bash",
              "scripts/ceremony-rehearsal.sh",
              "--jar",
              jar.toString(),
              "--credentials",
              zip.toString(),
              "--workdir",
              work.toString());
      // many short JVMs: start them cheaply
      pb.environment().put("GARAGE_HSM_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
      Path out = tmp.resolve("stdout");
      Path err = tmp.resolve("stderr");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      boolean done = p.waitFor(5, TimeUnit.MINUTES);
      if (!done) {
        p.destroyForcibly();
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      assertTrue(done, "the rehearsal did not finish in 5 minutes\n" + stderr);
      assertEquals(0, p.exitValue(), stderr);

      // the commands' own account: thresholds after each signature, then the transcript report
      assertTrue(
          stderr.contains(
              "signed with key 'kh-a': new root: 1 of 2 signatures; previous root: 1 of 1\n"),
          stderr);
      assertTrue(
          stderr.contains(
              "signed with key 'kh-b': new root: 1 of 2 signatures; previous root: 0 of 1\n"),
          stderr);
      assertTrue(stderr.contains("new root: 2 of 2 signatures; previous root: 1 of 1\n"), stderr);
      assertTrue(stdout.contains("status: healthy"), stdout);
      assertTrue(stdout.contains("# Key ceremony transcript: fleet\n"), stdout);
      assertTrue(stdout.contains("- Hash chain: intact\n"), stdout);
      assertTrue(stdout.contains("(a valid seal and the lines it signs)\n"), stdout);
      assertTrue(stdout.contains("| `ceremony merge` |"), stdout);
      assertTrue(
          stdout.matches("(?s).*kh-b `[0-9a-f]{16}…` token 'kh-b' \\(serial [^)]+\\).*"), stdout);
      assertTrue(stdout.contains("| `ceremony close` |"), stdout);
      assertTrue(!Files.exists(work), "the work folder is removed without --keep");

      // what the server serves: root v3, 2 of 3 keys, a chain aktualizr accepts
      assertEquals(3, server.rootVersion());
      List<JsonNode> chain = new ArrayList<>();
      HttpClient http = HttpClient.newHttpClient();
      for (int v = 1; v <= 3; v++) {
        chain.add(get(http, server.url() + TestReposerver.USER_REPO + v + ".root.json"));
      }
      for (int v = 1; v < 3; v++) {
        AktualizrVerifier.Result r =
            AktualizrVerifier.verifyRootUpdate(chain.get(v), chain.get(v - 1).get("signed"));
        assertTrue(r.ok(), "root v" + (v + 1) + ": " + r.reason());
      }
      JsonNode v3 = chain.get(2).get("signed");
      assertEquals(2, v3.get("roles").get("root").get("threshold").asInt());
      assertEquals(3, v3.get("roles").get("root").get("keyids").size());
      assertEquals(2, chain.get(2).get("signatures").size());
      JsonNode targets = get(http, server.url() + TestReposerver.USER_REPO + "targets.json");
      AktualizrVerifier.Result t = AktualizrVerifier.verifyTargets(targets, v3);
      assertTrue(t.ok(), t.reason());
      assertTrue(
          targets.get("signed").get("targets").has("rehearsal-fw-1.0.0"), targets.toString());
    }
  }

  static JsonNode get(HttpClient http, String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return Cli.parse(r.body());
  }
}
