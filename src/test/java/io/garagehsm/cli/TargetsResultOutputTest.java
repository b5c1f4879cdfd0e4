package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 4 for the offline targets commands: each ends with one stderr line saying what
 * happened and, with --json, prints the result as one JSON object on stdout.
 */
class TargetsResultOutputTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String SHA = "a".repeat(64);
  @TempDir Path home;
  Path repo;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
  }

  /** Runs with --json: stdout is one JSON object, stderr's last line is the summary. */
  JsonNode json(String expectedLastLine, String... args) {
    Cli.Result r = run(NOW, home, args).ok();
    JsonNode o = Cli.parse(r.out());
    assertTrue(o.isObject(), r.out());
    String[] lines = r.err().split("\n");
    assertTrue(lines[lines.length - 1].startsWith(expectedLastLine), r.err());
    return o;
  }

  @Test
  void editingCommandsReportFileVersionAndTargets() {
    JsonNode init =
        json(
            "Wrote unsigned targets.json to ",
            "targets",
            "init",
            "-r",
            "myrepo",
            "--version",
            "4",
            "--expires",
            "2030-01-01T00:00:00Z",
            "--json");
    assertEquals("targets init", init.path("command").asText());
    assertEquals(4, init.path("version").asInt());
    assertEquals("2030-01-01T00:00:00Z", init.path("expires").asText());
    assertEquals(0, init.path("targetCount").asInt());
    assertEquals(
        repo.resolve("roles/unsigned/targets.json").toString(), init.path("file").asText());

    JsonNode add =
        json(
            "added target to ",
            "targets",
            "add",
            "-r",
            "myrepo",
            "--name",
            "app",
            "--version",
            "1.0",
            "--length",
            "3",
            "--sha256",
            SHA,
            "--hardwareids",
            "hw",
            "--json");
    assertEquals("targets add", add.path("command").asText());
    assertEquals("app-1.0", add.path("targets").get(0).asText());
    assertEquals(1, add.path("targetCount").asInt());

    JsonNode inc =
        json(
            "Version incremented for unsigned target.json saved to ",
            "targets",
            "increment-version",
            "-r",
            "myrepo",
            "--json");
    assertEquals(5, inc.path("version").asInt());

    JsonNode del =
        json(
            "deleted target app-1.0 from ",
            "targets",
            "delete",
            "-r",
            "myrepo",
            "--filename",
            "app-1.0",
            "--json");
    assertEquals(0, del.path("targetCount").asInt());
    assertEquals("app-1.0", del.path("targets").get(0).asText());
  }

  @Test
  void signSaysVersionExpiryAndKey() {
    Cli.Result plain =
        run(
                NOW,
                home,
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--key-name",
                "targets",
                "--expires",
                "2031-02-03T04:05:06Z")
            .ok();
    assertEquals("", plain.out(), "no --json: nothing on stdout");
    JsonNode signed = Cli.readJson(repo.resolve("roles/targets.json"));
    String keyId = signed.path("signatures").get(0).path("keyid").asText();
    assertEquals(
        "signed targets.json v2, expires 2031-02-03T04:05:06Z, key targets ("
            + keyId.substring(0, 8)
            + "…); saved to "
            + repo.resolve("roles/targets.json")
            + "\n",
        plain.err());

    JsonNode o =
        json(
            "signed targets.json v7, expires 2031-02-03T04:05:06Z, key targets (",
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--key-name",
            "targets",
            "--version",
            "7",
            "--expires",
            "2031-02-03T04:05:06Z",
            "--json");
    assertEquals("targets sign", o.path("command").asText());
    assertEquals(7, o.path("version").asInt());
    assertEquals("2031-02-03T04:05:06Z", o.path("expires").asText());
    assertFalse(o.path("external").asBoolean());
    assertEquals(1, o.path("keys").size());
    assertEquals("targets", o.path("keys").get(0).path("name").asText());
    assertEquals(keyId, o.path("keys").get(0).path("keyid").asText());
    assertTrue(o.path("keys").get(0).path("token").isNull(), "a file key");
    assertEquals(
        7, Cli.readJson(repo.resolve("roles/targets.json")).path("signed").path("version").asInt());
  }
}
