package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.KeyDirectory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 4: the commands that write or talk to the server end with one stderr line saying
 * what happened and, with {@code --json}, print that result as one JSON object on stdout.
 */
class ResultJsonTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  /** The last stderr line. */
  static String summary(Cli.Result r) {
    List<String> lines = r.err().lines().toList();
    return lines.get(lines.size() - 1);
  }

  static JsonNode json(Cli.Result r) throws Exception {
    assertTrue(r.out().endsWith("}\n"), r.out());
    return Cli.JSON.readTree(r.out());
  }

  @Test
  void initSaysWhatItCreated() throws Exception {
    Path zip = Vectors.path("repo-flow/credentials.zip");
    Cli.Result plain = run(NOW, home, "init", "-r", "plain", "-c", zip.toString()).ok();
    assertEquals("", plain.out());
    Cli.Result r = run(NOW, home, "init", "-r", "myrepo", "-c", zip.toString(), "--json").ok();
    Path dir = home.resolve("myrepo");
    String keyId = new KeyDirectory(dir.resolve("keys")).publicKey("targets").keyId();
    JsonNode j = json(r);
    assertEquals("init", j.get("command").asText());
    assertEquals("myrepo", j.get("repository").asText());
    assertEquals(dir.toString(), j.get("dir").asText());
    assertEquals("http://127.0.0.1:18191/", j.get("server").asText());
    assertEquals("reposerver", j.get("serverType").asText());
    assertEquals(1, j.get("rootVersion").asInt());
    assertEquals(keyId, j.at("/targetsKey/keyid").asText());
    assertTrue(j.at("/targetsKey/tokenUri").isNull());
    assertEquals(
        dir.resolve("config.json").toString(),
        j.get("filesWritten").get(j.get("filesWritten").size() - 1).asText());
    assertTrue(r.err().contains("Finished init for myrepo using " + zip), r.err());
    assertEquals(
        "initialised repository myrepo in "
            + dir
            + " for reposerver http://127.0.0.1:18191/ (auth: "
            + j.get("auth").asText()
            + "), root.json v1, targets key "
            + keyId.substring(0, 8)
            + "… (file)",
        summary(r));
    assertEquals(summary(plain).replace("plain", "myrepo"), summary(r));
  }

  @Test
  void exportCredentialsSaysWhatTheZipHolds() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path out = home.resolve("exported.zip");
    Cli.Result r =
        run(
                NOW,
                home,
                "export-credentials",
                "-r",
                "myrepo",
                "-k",
                "targets",
                "-o",
                out.toString(),
                "--json")
            .ok();
    String keyId = new KeyDirectory(home.resolve("myrepo/keys")).publicKey("targets").keyId();
    JsonNode j = json(r);
    assertEquals("export-credentials", j.get("command").asText());
    assertEquals(out.toString(), j.get("output").asText());
    assertEquals("targets", j.at("/targetsKey/name").asText());
    assertEquals(keyId, j.at("/targetsKey/keyid").asText());
    assertEquals(false, j.at("/targetsKey/tokenKey").asBoolean());
    assertEquals("targets.sec", j.get("entries").get(3).asText());
    assertTrue(
        summary(r)
            .startsWith(
                "exported credentials to "
                    + out
                    + " with targets key targets ("
                    + keyId.substring(0, 8)
                    + "…, private key included); entries: treehub.json, "),
        summary(r));
  }
}
