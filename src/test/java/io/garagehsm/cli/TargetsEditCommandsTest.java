package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** targets init, add-uploaded, delete and delegations add (compat spec §2.4, §6.3). */
class TargetsEditCommandsTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;
  Path repo;
  Path unsigned;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    unsigned = repo.resolve("roles/unsigned/targets.json");
  }

  Cli.Result refused(int code, String expectedInErr, String... args) {
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result r = run(NOW, home, args).fails(code);
    assertTrue(r.err().contains(expectedInErr), () -> "stderr was:\n" + r.err());
    assertEquals(before, Cli.snapshot(home), "files changed");
    return r;
  }

  static List<String> fieldList(JsonNode n) {
    List<String> l = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(l::add);
    return l;
  }

  static Set<String> names(JsonNode n) {
    Set<String> s = new TreeSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  @Test
  void initNeedsVersionAndExpiresAndWarnsWhenDroppingTargets() {
    refused(255, "--expires", "targets", "init", "-r", "myrepo", "--version", "3");
    refused(
        255, "--version", "targets", "init", "-r", "myrepo", "--expires", "2030-01-01T00:00:00Z");
    refused(
        255, "--expires", "targets", "init", "-r", "myrepo", "--version", "3", "--expires", "soon");
    int listed = Cli.readJson(unsigned).get("targets").size();
    assertTrue(listed > 0);
    Cli.Result r =
        run(
                NOW,
                home,
                "targets",
                "init",
                "-r",
                "myrepo",
                "--version",
                "7",
                "--expires",
                "2030-01-01T01:00:00.5+01:00")
            .ok();
    assertTrue(
        r.err().contains("warning: replacing " + unsigned + ", which listed " + listed), r.err());
    JsonNode u = Cli.readJson(unsigned);
    assertEquals(Set.of("_type", "expires", "targets", "version"), names(u));
    assertEquals("Targets", u.get("_type").asText());
    assertEquals(7, u.get("version").intValue());
    assertEquals("2030-01-01T00:00:00Z", u.get("expires").asText());
    assertEquals(0, u.get("targets").size());
    // replacing an empty file is silent; the signed targets.json is untouched
    String signedBefore = Cli.read(repo.resolve("roles/targets.json"));
    Cli.Result again =
        run(
                NOW,
                home,
                "targets",
                "init",
                "-r",
                "myrepo",
                "--version",
                "8",
                "--expires",
                "2030-01-01T00:00:00Z")
            .ok();
    assertFalse(again.err().contains("warning"), again.err());
    assertEquals(8, Cli.readJson(unsigned).get("version").intValue());
    assertEquals(signedBefore, Cli.read(repo.resolve("roles/targets.json")));
  }

  @Test
  void addUploadedComputesLengthAndHashFromTheFile() throws Exception {
    Path bin = Vectors.path("repo-flow/app-firmware-1.0.0.bin");
    byte[] bytes = Files.readAllBytes(bin);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    run(
            NOW,
            home,
            "targets",
            "add-uploaded",
            "-r",
            "myrepo",
            "-i",
            bin.toString(),
            "--name",
            "up",
            "--version",
            "2.0",
            "--hardwareids",
            "board-a,board-b",
            "--customMeta",
            "{\"channel\":{\"name\":\"beta\"},\"createdAt\":\"2020-01-01T00:00:00Z\"}")
        .ok();
    JsonNode t = Cli.readJson(unsigned).get("targets").get("up-2.0");
    assertEquals(bytes.length, t.get("length").longValue());
    assertEquals(sha, t.get("hashes").get("sha256").asText());
    JsonNode c = t.get("custom");
    assertEquals("up", c.get("name").asText());
    assertEquals("2.0", c.get("version").asText());
    assertEquals(
        List.of("board-a", "board-b"),
        List.of(c.get("hardwareIds").get(0).asText(), c.get("hardwareIds").get(1).asText()));
    assertEquals("BINARY", c.get("targetFormat").asText());
    assertTrue(c.has("uri") && c.get("uri").isNull(), c.toString());
    assertTrue(c.get("cliUploaded").booleanValue());
    assertEquals("beta", c.get("channel").get("name").asText());
    assertEquals("2020-01-01T00:00:00Z", c.get("createdAt").asText());
    assertEquals("2026-11-26T07:00:00Z", c.get("updatedAt").asText());
    // the targets that were there stay
    assertTrue(Cli.readJson(unsigned).get("targets").has("app-firmware-1.0.0"));

    Path missing = home.resolve("nope.bin");
    refused(
        3,
        missing + " does not exist",
        "targets",
        "add-uploaded",
        "-r",
        "myrepo",
        "-i",
        missing.toString(),
        "--name",
        "x",
        "--version",
        "1",
        "--hardwareids",
        "hw");
    refused(
        255,
        "--hardwareids",
        "targets",
        "add-uploaded",
        "-r",
        "myrepo",
        "-i",
        bin.toString(),
        "--name",
        "x",
        "--version",
        "1");
    refused(
        255,
        "must not set \"cliUploaded\"",
        "targets",
        "add-uploaded",
        "-r",
        "myrepo",
        "-i",
        bin.toString(),
        "--name",
        "x",
        "--version",
        "1",
        "--hardwareids",
        "hw",
        "--customMeta",
        "{\"cliUploaded\":false}");
  }

  @Test
  void deleteRemovesOneTargetOrListsTheKnownOnes() {
    Set<String> before = names(Cli.readJson(unsigned).get("targets"));
    assertTrue(before.contains("app-firmware-1.0.0"));
    Cli.Result miss =
        refused(
            3,
            "error: target \"app-firmware_1.0.0\" is not in the unsigned targets.json",
            "targets",
            "delete",
            "-r",
            "myrepo",
            "--filename",
            "app-firmware_1.0.0");
    assertTrue(
        miss.err()
            .contains(
                "hint: the filename is <name>-<version>; known targets: "
                    + String.join(", ", fieldList(Cli.readJson(unsigned).get("targets")))),
        miss.err());
    refused(255, "--filename", "targets", "delete", "-r", "myrepo");

    JsonNode old = Cli.readJson(unsigned);
    run(NOW, home, "targets", "delete", "-r", "myrepo", "--filename", "app-firmware-1.0.0").ok();
    JsonNode now = Cli.readJson(unsigned);
    Set<String> expected = new TreeSet<>(before);
    expected.remove("app-firmware-1.0.0");
    assertEquals(expected, names(now.get("targets")));
    assertEquals(old.get("version"), now.get("version"));
    assertEquals(old.get("expires"), now.get("expires"));
    for (String f : expected) {
      assertEquals(old.get("targets").get(f), now.get("targets").get(f));
    }
  }

  @Test
  void delegationsAddValidatesRoleNamesAndPaths() throws Exception {
    Path pub = Vectors.path("keys/ed25519.pub");
    String k = pub.toString();
    for (String bad : new String[] {".hidden", "a/b", "a b", "x".repeat(51), ""}) {
      refused(
          3,
          "invalid delegated role name \"" + bad + "\"",
          "targets",
          "delegations",
          "add",
          "-r",
          "myrepo",
          "-n",
          bad,
          "-p",
          "s-*",
          "-k",
          k);
    }
    for (String bad : new String[] {"../*", "a/../b", "", "p".repeat(254)}) {
      refused(
          3,
          "invalid delegation path pattern \"" + bad + "\"",
          "targets",
          "delegations",
          "add",
          "-r",
          "myrepo",
          "-n",
          "sup",
          "-p",
          bad,
          "-k",
          k);
    }
    refused(255, "--prefix", "targets", "delegations", "add", "-r", "myrepo", "-n", "sup", "-k", k);
    refused(
        255, "--key", "targets", "delegations", "add", "-r", "myrepo", "-n", "sup", "-p", "s-*");
    Path notKey = home.resolve("notkey.pub");
    Files.writeString(notKey, "{\"keytype\":\"ED25519\"}", StandardCharsets.UTF_8);
    refused(
        3,
        notKey + " is not a public key",
        "targets",
        "delegations",
        "add",
        "-r",
        "myrepo",
        "-n",
        "sup",
        "-p",
        "s-*",
        "-k",
        notKey.toString());

    String name50 = "_" + "a".repeat(48) + ".";
    run(
            NOW,
            home,
            "targets",
            "delegations",
            "add",
            "-r",
            "myrepo",
            "-n",
            name50,
            "-p",
            "p".repeat(253),
            "-p",
            "s-*",
            "-k",
            k)
        .ok();
    JsonNode d = Cli.readJson(unsigned).get("delegations");
    JsonNode role = d.get("roles").get(0);
    assertEquals(name50, role.get("name").asText());
    assertEquals(1, role.get("threshold").intValue());
    assertTrue(role.get("terminating").booleanValue());
    assertEquals("s-*", role.get("paths").get(1).asText());
    String keyId = Cli.read(Vectors.path("keys/ed25519.keyid")).trim();
    assertEquals(keyId, role.get("keyids").get(0).asText());
    assertTrue(d.get("keys").has(keyId));
  }
}
