package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static io.garagehsm.cli.DelegationsAndSetupResultTest.lastLine;
import static io.garagehsm.cli.DelegationsAndSetupResultTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.KeyDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 4 for the ceremony commands that write: export, sign, merge (partial and whole)
 * and close end with their line and, with --json, print the result as one JSON object: the role,
 * version, expiry, SHA-256 of the bytes, each threshold with who signed towards it, the key, and
 * the files written. A failing merge with --json prints no JSON and exits 3.
 */
class CeremonyResultJsonTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path tmp;

  @Test
  void exportSignMergeAndCloseReportTheirResults() throws Exception {
    Path home = tmp.resolve("home");
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    for (String k : new String[] {"root-old.pub", "root-old.sec", "root-new.pub", "root-new.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        readJson(repo.resolve("roles/root.json")).get("signed").toString());
    Path offline = tmp.resolve("offline");
    Files.createDirectories(offline.resolve("user-keys"));
    for (String k : new String[] {"root-old", "root-new"}) {
      for (String ext : new String[] {".pub", ".sec"}) {
        Files.copy(repo.resolve("keys/" + k + ext), offline.resolve("user-keys/" + k + ext));
      }
    }
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    run(NOW, home, "root", "key", "remove", "-r", "myrepo", "-k", "root-old").ok();
    KeyDirectory keys = new KeyDirectory(repo.resolve("keys"));
    String oldId = keys.publicKey("root-old").keyId();
    String newId = keys.publicKey("root-new").keyId();

    Path b = tmp.resolve("root.bundle.json");
    Cli.Result export =
        run(
                NOW,
                home,
                "ceremony",
                "export",
                "-r",
                "myrepo",
                "--role",
                "root",
                "-o",
                b.toString(),
                "--expire-after",
                "1Y",
                "--json")
            .ok();
    JsonNode e = single(export);
    assertEquals("ceremony export", e.get("command").asText());
    assertEquals("myrepo", e.get("repository").asText());
    assertEquals("root", e.get("role").asText());
    assertEquals(2, e.get("version").asInt());
    assertEquals("2027-11-26T07:00:00Z", e.get("expires").asText());
    assertEquals(readJson(b).get("signed_sha256").asText(), e.get("signedSha256").asText());
    assertEquals("new root", e.at("/thresholds/0/name").asText());
    assertEquals(List.of(newId), strings(e.at("/thresholds/0/keyIds")));
    assertEquals(0, e.at("/thresholds/0/signedBy").size());
    assertEquals("previous root", e.at("/thresholds/1/name").asText());
    assertEquals(List.of(oldId), strings(e.at("/thresholds/1/keyIds")));
    assertFalse(e.get("met").asBoolean());
    assertEquals(b.toString(), e.get("bundle").asText());
    assertTrue(e.get("written").isNull());
    assertEquals("signing bundle for root.json saved to " + b, lastLine(export.err()));

    Path signed = tmp.resolve("root.signed-new.json");
    Cli.Result s1 =
        run(
                NOW,
                offline,
                "ceremony",
                "sign",
                b.toString(),
                "-k",
                "root-new",
                "-o",
                signed.toString(),
                "--json")
            .ok();
    JsonNode s = single(s1);
    assertEquals("ceremony sign", s.get("command").asText());
    assertEquals("root-new", s.at("/key/name").asText());
    assertEquals(newId, s.at("/key/keyid").asText());
    assertTrue(s.at("/key/token").isNull());
    assertEquals(List.of(newId), strings(s.at("/thresholds/0/signedBy")));
    assertTrue(s.at("/thresholds/0/met").asBoolean());
    assertFalse(s.at("/thresholds/1/met").asBoolean());
    assertEquals(List.of(newId), strings(s.get("signatures")));
    assertEquals(signed.toString(), s.get("bundle").asText());
    assertEquals("signed bundle saved to " + signed, lastLine(s1.err()));

    // not enough signatures: exit 3, the error, no JSON
    Cli.Result early =
        run(NOW, home, "ceremony", "merge", "-r", "myrepo", signed.toString(), "--json").fails(3);
    assertEquals("", early.out());
    assertTrue(early.err().startsWith("error: not enough signatures: "), early.err());

    Path merged = tmp.resolve("merged.json");
    Cli.Result partial =
        run(
                NOW,
                home,
                "ceremony",
                "merge",
                "-r",
                "myrepo",
                signed.toString(),
                "--partial",
                "-o",
                merged.toString(),
                "--json")
            .ok();
    JsonNode p = single(partial);
    assertEquals("ceremony merge", p.get("command").asText());
    assertFalse(p.get("met").asBoolean());
    assertEquals(merged.toString(), p.get("bundle").asText());
    assertTrue(p.get("written").isNull());
    assertTrue(Files.exists(merged));
    assertEquals(
        "thresholds not met yet; merged bundle saved to " + merged, lastLine(partial.err()));

    Path both = tmp.resolve("root.signed-both.json");
    run(
            NOW,
            offline,
            "ceremony",
            "sign",
            merged.toString(),
            "-k",
            "root-old",
            "-o",
            both.toString())
        .ok();
    Cli.Result whole =
        run(NOW, home, "ceremony", "merge", "-r", "myrepo", both.toString(), "--json").ok();
    JsonNode w = single(whole);
    assertTrue(w.get("met").asBoolean(), w.toString());
    assertEquals(repo.resolve("roles/root.json").toString(), w.get("written").asText());
    assertTrue(w.get("bundle").isNull());
    assertEquals(List.of(oldId), strings(w.at("/thresholds/1/signedBy")));
    assertEquals(2, readJson(repo.resolve("roles/root.json")).at("/signed/version").asInt());
    assertEquals(
        "signed root.json saved to " + repo.resolve("roles/root.json"), lastLine(whole.err()));

    Cli.Result close =
        run(NOW, home, "ceremony", "close", "-r", "myrepo", "-k", "root-new", "--json").ok();
    JsonNode c = single(close);
    assertEquals("ceremony close", c.get("command").asText());
    Path transcript = repo.resolve("ceremony/transcript.jsonl");
    assertEquals(transcript.toString(), c.get("transcript").asText());
    List<String> lines = Files.readAllLines(transcript);
    assertEquals(lines.size() - 1, c.get("lines").asInt()); // the seal is the line after them
    assertEquals(newId, c.at("/key/keyid").asText());
    assertEquals(64, c.get("head").asText().length());
    assertEquals(
        "transcript sealed: lines 1-"
            + c.get("lines").asInt()
            + ", head "
            + c.get("head").asText()
            + ", key 'root-new'",
        lastLine(close.err()));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
