package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code targets add --manifest} and {@code targets add-uploaded --manifest}: many targets in one
 * run, JSON array or JSON Lines, from a file or standard input; the same result as one {@code
 * targets add} per entry; all entries checked before anything is written, one error naming the
 * entry.
 */
class TargetsManifestTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";
  @TempDir Path home;
  @TempDir Path work;
  Path unsigned;

  @BeforeEach
  void copyRepo() {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    unsigned = home.resolve("myrepo/roles/unsigned/targets.json");
  }

  Path write(String name, String content) throws Exception {
    Path p = work.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  Cli.Result refused(String expectedInErr, String... args) {
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result r = run(NOW, home, args).fails(1);
    assertTrue(r.err().contains(expectedInErr), () -> "stderr was:\n" + r.err());
    assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
    assertEquals(before, Cli.snapshot(home), "files changed");
    return r;
  }

  @Test
  void aManifestGivesTheSameTargetsAsOneAddPerEntry() throws Exception {
    String lines =
        "{\"name\":\"fw\",\"version\":\"1.0\",\"length\":32,\"sha256\":\""
            + SHA
            + "\",\"hardwareids\":[\"a\",\"b\"],\"format\":\"ostree\","
            + "\"url\":\"https://example.com/fw\",\"customMeta\":{\"channel\":\"beta\"}}\n"
            + "\n"
            + "{\"name\":\"fw\",\"version\":\"2.0\",\"length\":7,\"sha256\":\""
            + SHA.toUpperCase(java.util.Locale.ROOT)
            + "\",\"hardwareIds\":\"a,b\"}\n";
    Path manifest = write("m.jsonl", lines);
    Cli.Result r =
        run(NOW, home, "targets", "add", "-r", "myrepo", "--manifest", manifest.toString()).ok();
    assertTrue(r.err().contains("added 2 targets"), r.err());
    JsonNode viaManifest = Cli.readJson(unsigned).get("targets");

    Path other = home.resolve("other");
    Cli.copyVector("repo-flow/tuf/myrepo", other.resolve("myrepo"));
    run(
            NOW,
            other,
            "targets",
            "add",
            "-r",
            "myrepo",
            "--name",
            "fw",
            "--version",
            "1.0",
            "--length",
            "32",
            "--sha256",
            SHA,
            "--hardwareids",
            "a,b",
            "--format",
            "ostree",
            "--url",
            "https://example.com/fw",
            "--customMeta",
            "{\"channel\":\"beta\"}")
        .ok();
    run(
            NOW,
            other,
            "targets",
            "add",
            "-r",
            "myrepo",
            "--name",
            "fw",
            "--version",
            "2.0",
            "--length",
            "7",
            "--sha256",
            SHA.toUpperCase(java.util.Locale.ROOT),
            "--hardwareids",
            "a,b")
        .ok();
    assertEquals(
        Cli.readJson(other.resolve("myrepo/roles/unsigned/targets.json")).get("targets"),
        viaManifest);
  }

  @Test
  void aJsonArrayOnStandardInputWorksLikeAFile() throws Exception {
    StringBuilder array = new StringBuilder("[\n");
    for (int i = 0; i < 500; i++) {
      array
          .append(i == 0 ? "" : ",\n")
          .append("{\"name\":\"img\",\"version\":\"")
          .append(i)
          .append("\",\"length\":")
          .append(i)
          .append(",\"sha256\":\"")
          .append(SHA)
          .append("\",\"hardwareids\":[\"board\"]}");
    }
    array.append("\n]\n");
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream(array.toString().getBytes(StandardCharsets.UTF_8)));
      run(NOW, home, "targets", "add", "-r", "myrepo", "--manifest", "-").ok();
    } finally {
      System.setIn(stdin);
    }
    JsonNode targets = Cli.readJson(unsigned).get("targets");
    for (int i = 0; i < 500; i++) {
      assertEquals(i, targets.get("img-" + i).get("length").asLong());
    }
  }

  @Test
  void aBadEntryIsNamedAndNothingIsWritten() throws Exception {
    String good =
        "{\"name\":\"fw\",\"version\":\"1\",\"length\":1,\"sha256\":\""
            + SHA
            + "\",\"hardwareids\":[\"a\"]}\n";
    String[] cases = {
      good
          + "{\"name\":\"fw\",\"version\":\"2\",\"length\":1,\"sha256\":\"xyz\",\"hardwareids\":[\"a\"]}\n",
      "m.jsonl, entry 2 (line 2, fw-2): sha256: \"xyz\" is not 64 hexadecimal characters",
      good + "\n{\"name\":\"fw\",\"version\":\"3\",\"length\":1,\"hardwareids\":[\"a\"]}\n",
      "m.jsonl, entry 2 (line 3, fw-3): \"sha256\" is missing",
      good + "{\"name\":\"fw\",\"version\":\"4\",\"lenght\":1}\n",
      "m.jsonl, entry 2 (line 2, fw-4): unknown field \"lenght\"",
      good
          + "{\"name\":\"fw\",\"version\":\"5\",\"length\":\"1\",\"sha256\":\""
          + SHA
          + "\",\"hardwareids\":[\"a\"]}\n",
      "entry 2 (line 2, fw-5): \"length\" must be a whole number of bytes",
      good + good,
      "entry 2 (line 2, fw-1): target fw-1 appears twice in the manifest",
      good
          + "{\"name\":\"fw\",\"version\":\"6\",\"length\":1,\"sha256\":\""
          + SHA
          + "\",\"hardwareids\":[\"a\"],\"customMeta\":{\"name\":\"x\"}}\n",
      "entry 2 (line 2, fw-6): customMeta must not set \"name\"",
      good
          + "{\"name\":\"f\u00fc\",\"version\":\"7\",\"length\":1,\"sha256\":\""
          + SHA
          + "\",\"hardwareids\":[\"a\"]}\n",
      "entry 2 (line 2, f\u00fc-7)",
      good + "{\"name\":\"fw\",\n",
      "m.jsonl, entry 2 (line 2) is not valid JSON",
      "",
      "m.jsonl lists no targets",
    };
    for (int i = 0; i < cases.length; i += 2) {
      Path m = write("m.jsonl", cases[i]);
      refused(cases[i + 1], "targets", "add", "-r", "myrepo", "--manifest", m.toString());
    }
    Path array = write("a.json", "[" + good + ",{\"name\":1}]");
    refused(
        "a.json, entry 2 (line 2): \"name\" must be a string",
        "targets",
        "add",
        "-r",
        "myrepo",
        "--manifest",
        array.toString());
    refused(
        "manifest " + work.resolve("none.json") + " does not exist",
        "targets",
        "add",
        "-r",
        "myrepo",
        "--manifest",
        work.resolve("none.json").toString());
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result both =
        run(
            NOW,
            home,
            "targets",
            "add",
            "-r",
            "myrepo",
            "--manifest",
            array.toString(),
            "--name",
            "x",
            "--version",
            "1",
            "--length",
            "1",
            "--sha256",
            SHA,
            "--hardwareids",
            "a");
    assertEquals(255, both.code(), both.err());
    Cli.Result neither = run(NOW, home, "targets", "add", "-r", "myrepo");
    assertEquals(255, neither.code(), neither.err());
    assertTrue(neither.err().contains("--manifest"), neither.err());
    assertEquals(before, Cli.snapshot(home));
  }

  @Test
  void addUploadedReadsEveryFileOfTheManifest() throws Exception {
    Path a = write("a.bin", "first image");
    Path b = write("b.bin", "second, longer image");
    Path m =
        write(
            "up.json",
            "[{\"input\":\""
                + a
                + "\",\"name\":\"a\",\"version\":\"1\",\"hardwareids\":[\"x\"]},"
                + "{\"input\":\""
                + b
                + "\",\"name\":\"b\",\"version\":\"1\",\"hardwareids\":\"x,y\","
                + "\"customMeta\":{\"k\":\"v\"}}]");
    run(NOW, home, "targets", "add-uploaded", "-r", "myrepo", "--manifest", m.toString()).ok();
    JsonNode t = Cli.readJson(unsigned).get("targets");
    assertEquals(Files.size(b), t.get("b-1").get("length").asLong());
    assertEquals(sha256(b), t.get("b-1").get("hashes").get("sha256").asText());
    assertEquals(sha256(a), t.get("a-1").get("hashes").get("sha256").asText());
    assertTrue(t.get("b-1").get("custom").get("cliUploaded").asBoolean());
    assertEquals("v", t.get("b-1").get("custom").get("k").asText());

    Path missing =
        write(
            "bad.jsonl",
            "{\"input\":\""
                + a
                + "\",\"name\":\"c\",\"version\":\"1\",\"hardwareids\":[\"x\"]}\n"
                + "{\"input\":\""
                + work.resolve("gone.bin")
                + "\",\"name\":\"d\",\"version\":\"1\",\"hardwareids\":[\"x\"]}\n");
    refused(
        "bad.jsonl, entry 2 (line 2, d-1): " + work.resolve("gone.bin") + " does not exist",
        "targets",
        "add-uploaded",
        "-r",
        "myrepo",
        "--manifest",
        missing.toString());
    Path extra =
        write(
            "x.jsonl",
            "{\"input\":\""
                + a
                + "\",\"name\":\"c\",\"version\":\"1\","
                + "\"hardwareids\":[\"x\"],\"sha256\":\""
                + SHA
                + "\"}\n");
    refused(
        "unknown field \"sha256\"",
        "targets",
        "add-uploaded",
        "-r",
        "myrepo",
        "--manifest",
        extra.toString());
    assertFalse(Cli.readJson(unsigned).get("targets").has("c-1"));
  }

  static String sha256(Path p) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }
}
