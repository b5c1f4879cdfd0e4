package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.ops.ceremony.Transcript;
import io.garagehsm.signing.SignatureLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ceremony transcript: every signing command records a chained line; close seals it. */
class CeremonyTranscriptTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  Path rotationStart() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path repo = home.resolve("myrepo");
    for (String k : new String[] {"root-old.pub", "root-old.sec", "root-new.pub", "root-new.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        readJson(repo.resolve("roles/root.json")).get("signed").toString());
    return repo;
  }

  static List<String> lines(Path repo) throws Exception {
    Path f = repo.resolve("ceremony/transcript.jsonl");
    return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
  }

  /** Root sign, targets sign and a close: three chained lines, and the report says so. */
  Path signedAndClosed() throws Exception {
    Path repo = rotationStart();
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old", "-k", "root-new").ok();
    run(NOW, home, "targets", "sign", "-r", "myrepo", "--key-name", "targets").ok();
    run(NOW, home, "ceremony", "close", "-r", "myrepo", "-k", "root-new").ok();
    return repo;
  }

  @Test
  void everySigningCommandAppendsAChainedLineWithoutSecrets() throws Exception {
    Path repo = signedAndClosed();
    List<String> lines = lines(repo);
    assertEquals(3, lines.size(), String.join("\n", lines));
    JsonNode first = Cli.parse(lines.get(0));
    assertEquals("root sign", first.get("command").asText());
    assertEquals(Transcript.GENESIS, first.get("prev").asText());
    assertEquals("ok", first.get("result").asText());
    assertEquals(1, first.get("seq").asInt());
    assertEquals("2026-11-26T07:00:00Z", first.get("time").asText());
    assertFalse(first.get("host").asText().isEmpty());
    byte[] rootBytes =
        CanonicalJson.encode(readJson(repo.resolve("roles/root.json")).get("signed"));
    List<String> ids = new ArrayList<>();
    for (JsonNode s : first.get("signatures")) {
      ids.add(s.get("key_name").asText());
      assertEquals(SignatureLog.sha256Hex(rootBytes), s.get("signed_sha256").asText());
      assertEquals("file", s.get("kind").asText());
      assertTrue(s.get("verified").asBoolean());
    }
    assertEquals(List.of("root-old", "root-new"), ids);
    JsonNode second = Cli.parse(lines.get(1));
    assertEquals("targets sign", second.get("command").asText());
    assertEquals(Transcript.sha256(lines.get(0)), second.get("prev").asText());
    JsonNode seal = Cli.parse(lines.get(2)).get("details").get("seal");
    assertEquals(2, seal.get("lines").asInt());
    assertEquals(Transcript.sha256(lines.get(1)), seal.get("transcript_head").asText());
    String all = String.join("\n", lines);
    for (String k : new String[] {"root-old.sec", "root-new.sec", "targets.sec"}) {
      String sec = Files.readString(repo.resolve("keys/" + k));
      JsonNode priv = Cli.parse(sec).path("keyval").path("private");
      assertFalse(priv.isMissingNode());
      assertFalse(all.contains(priv.asText().lines().skip(1).findFirst().orElse(priv.asText())));
    }
    assertFalse(all.contains("PRIVATE KEY"));

    Cli.Result v = run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").ok();
    assertTrue(v.out().startsWith("# Key ceremony transcript: myrepo\n"), v.out());
    assertTrue(v.out().contains("- Hash chain: intact"), v.out());
    assertTrue(
        v.out().contains("Sealed: lines 1–3 (a valid seal and the lines it signs)\n"), v.out());
    assertTrue(v.out().contains("| 1 | 2026-11-26T07:00:00Z | `root sign` |"), v.out());
    assertTrue(v.out().contains("| 3 | 1–2 | root-new `"), v.out());
    // the seal line is itself covered: no warning about unsealed lines right after close
    assertFalse(v.err().contains("not sealed"), v.err());
    assertTrue(v.err().contains("hash chain intact, 3 lines"), v.err());

    // a signing command after the seal leaves exactly that line unsealed
    run(NOW, home, "targets", "sign", "-r", "myrepo", "--key-name", "targets").ok();
    Cli.Result later = run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").ok();
    assertTrue(
        later.err().contains("1 line(s) at the end are not sealed: run 'ceremony close"),
        later.err());
    assertTrue(
        later
            .out()
            .contains(
                "Sealed: lines 1–3 (a valid seal and the lines it signs); 1 later lines not sealed"),
        later.out());
  }

  @Test
  void progressCountsSignaturesTowardsEachThresholdNeverBeyondIt() throws Exception {
    rotationStart();
    // new root: root-old and root-new, threshold 1; previous root: root-old, 1 of 1
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    Cli.Result r =
        run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old", "-k", "root-new").ok();
    assertTrue(
        r.err()
            .contains(
                "signed with key 'root-old': new root: 1 of 1 signatures; previous root: 1 of 1\n"
                    + "signed with key 'root-new': new root: 1 of 1 signatures; previous root:"
                    + " 1 of 1\n"),
        r.err());
    assertFalse(r.err().contains("2 of 1"), r.err());
    // signed again at the same version: roles/root.json is not the previous root any more
    Cli.Result again = run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-new").ok();
    assertTrue(
        again.err().contains("signed with key 'root-new': new root: 1 of 1 signatures\n"),
        again.err());
  }

  @Test
  void anEditedLineBreaksTheChain() throws Exception {
    Path repo = signedAndClosed();
    Path f = repo.resolve("ceremony/transcript.jsonl");
    List<String> lines = new ArrayList<>(lines(repo));
    lines.set(1, lines.get(1).replace("\"result\":\"ok\"", "\"result\":\"ok \""));
    Files.write(f, lines, StandardCharsets.UTF_8);
    Cli.Result v = run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").fails(3);
    assertTrue(
        v.err()
            .startsWith(
                "error: "
                    + f
                    + " is not intact: line 3: \"prev\" is not the SHA-256 of line 2: a line"
                    + " was edited, inserted or removed\n"),
        v.err());
    assertTrue(v.out().contains("- Hash chain: **BROKEN**"), v.out());
    // the seal over lines 1-2 no longer matches either
    assertTrue(v.out().contains("its head is not the SHA-256 of line 2"), v.out());
  }

  @Test
  void aRemovedLineAndARewrittenChainAreDetected() throws Exception {
    Path repo = signedAndClosed();
    Path f = repo.resolve("ceremony/transcript.jsonl");
    List<String> lines = new ArrayList<>(lines(repo));
    Files.write(f, List.of(lines.get(1), lines.get(2)), StandardCharsets.UTF_8);
    Cli.Result v = run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").fails(3);
    assertTrue(v.err().contains("line 1: \"prev\" is not the SHA-256 of line 0"), v.err());

    // a forger who rewrites the whole chain cannot re-make the seal: it needs the key
    Files.writeString(f, lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2) + "\n");
    run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").ok();
    String forged = lines.get(2).replaceFirst("\"sig\":\"[^\"]*\"", "\"sig\":\"AAAA\"");
    Files.writeString(f, lines.get(0) + "\n" + lines.get(1) + "\n" + forged + "\n");
    Cli.Result s = run(NOW, home, "ceremony", "verify-transcript", "-r", "myrepo").fails(3);
    assertTrue(s.err().contains("line 3: the seal is invalid: the signature by key"), s.err());
  }

  @Test
  void aCommandThatSignsNothingRecordsNothing() throws Exception {
    Path repo = rotationStart();
    run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "no-such-key").fails(3);
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    assertEquals(List.of(), lines(repo));
    Cli.Result c = run(NOW, home, "ceremony", "close", "-r", "myrepo", "-k", "root-new").fails(3);
    assertTrue(c.err().contains("there is nothing to close"), c.err());
    assertFalse(Files.exists(repo.resolve("ceremony/transcript.jsonl")));
  }
}
