package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline signing bundles: export, sign without a repository, merge; tampering refused. */
class CeremonyBundleTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path tmp;
  Path home;
  Path repo;
  Path offline; // the air-gapped machine: a home with user-keys only

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    repo = home.resolve("myrepo");
    for (String k : new String[] {"root-old.pub", "root-old.sec", "root-new.pub", "root-new.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        readJson(repo.resolve("roles/root.json")).get("signed").toString());
    offline = tmp.resolve("offline");
    Files.createDirectories(offline.resolve("user-keys"));
    for (String k : new String[] {"root-old", "root-new", "targets"}) {
      for (String ext : new String[] {".pub", ".sec"}) {
        Files.copy(repo.resolve("keys/" + k + ext), offline.resolve("user-keys/" + k + ext));
      }
    }
    // the new root adds root-new to the root role and moves root-old out of it
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    run(NOW, home, "root", "key", "remove", "-r", "myrepo", "-k", "root-old").ok();
  }

  Path export(String role, String name) {
    Path f = tmp.resolve(name);
    run(
            NOW,
            home,
            "ceremony",
            "export",
            "-r",
            "myrepo",
            "--role",
            role,
            "-o",
            f.toString(),
            "--expire-after",
            "1Y")
        .ok();
    return f;
  }

  Cli.Result offlineSign(Path bundle, String key) {
    return run(NOW, offline, "ceremony", "sign", bundle.toString(), "-k", key);
  }

  @Test
  void rootRotationRoundTripThroughOfflineSigners() throws Exception {
    JsonNode v1 = readJson(repo.resolve("roles/root.json"));
    Path b = export("root", "root.bundle.json");
    JsonNode bundle = readJson(b);
    assertEquals("version 1 -> 2", bundle.get("summary").get(0).asText());
    String summary = bundle.get("summary").toString();
    assertTrue(summary.contains("root key added: "), summary);
    assertTrue(summary.contains("root key removed: 348a1efc"), summary);

    Cli.Result s1 = offlineSign(b, "root-new").ok();
    assertTrue(s1.err().contains("  change: version 1 -> 2\n"), s1.err());
    assertTrue(
        s1.err()
            .contains(
                "signed with key 'root-new': new root: 1 of 1 signatures; previous root: 0 of 1\n"),
        s1.err());
    // not enough yet: nothing written
    Map<String, String> before = Cli.snapshot(repo.resolve("roles"));
    Cli.Result early = run(NOW, home, "ceremony", "merge", "-r", "myrepo", b.toString()).fails(3);
    assertTrue(
        early
            .err()
            .startsWith(
                "error: not enough signatures: new root: 1 of 1 signatures; previous root: 0 of 1;"
                    + " nothing written\n"),
        early.err());
    assertEquals(before, Cli.snapshot(repo.resolve("roles")));
    Path merged = tmp.resolve("merged.json");
    run(
            NOW,
            home,
            "ceremony",
            "merge",
            "-r",
            "myrepo",
            b.toString(),
            "--partial",
            "-o",
            merged.toString())
        .ok();
    assertEquals(before, Cli.snapshot(repo.resolve("roles")));

    // the second keyholder signs a copy of the exported bundle; merge collects both
    Path second = tmp.resolve("second.json");
    Files.copy(b, second);
    Cli.write(second, Files.readString(export("root", "again.json")));
    offlineSign(second, "root-old").ok();
    Cli.Result m =
        run(NOW, home, "ceremony", "merge", "-r", "myrepo", merged.toString(), second.toString())
            .ok();
    assertTrue(m.err().contains("new root: 1 of 1 signatures; previous root: 1 of 1\n"), m.err());
    JsonNode v2 = readJson(repo.resolve("roles/root.json"));
    assertEquals(2, v2.get("signed").get("version").asInt());
    AktualizrVerifier.Result v = AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed"));
    assertTrue(v.ok(), v.reason());

    // the transcript: export, export, merge (partial), merge; offline signatures in the merge
    List<String> lines = Files.readAllLines(repo.resolve("ceremony/transcript.jsonl"));
    assertEquals(4, lines.size(), String.join("\n", lines));
    JsonNode last = Cli.parse(lines.get(3));
    assertEquals("ceremony merge", last.get("command").asText());
    ArrayNode offlineSigs = (ArrayNode) last.get("details").get("offline_signatures");
    assertEquals(2, offlineSigs.size());
    assertEquals("root-old", offlineSigs.get(1).get("key_name").asText());
    assertEquals(
        bundle.get("signed_sha256").asText(), offlineSigs.get(1).get("signed_sha256").asText());
  }

  @Test
  void aTamperedBundleIsRefusedWithTheReason() throws Exception {
    Path b = export("root", "root.bundle.json");
    offlineSign(b, "root-new").ok();
    String good = Files.readString(b);

    ObjectNode t = (ObjectNode) Cli.parse(good);
    ((ObjectNode) t.get("signed")).put("expires", "2099-01-01T00:00:00Z");
    Cli.write(b, t.toString());
    Cli.Result r = offlineSign(b, "root-old").fails(3);
    assertTrue(r.err().contains("is refused: the content to sign was changed"), r.err());
    Cli.Result mr = run(NOW, home, "ceremony", "merge", "-r", "myrepo", b.toString()).fails(3);
    assertTrue(mr.err().contains("is refused: the content to sign was changed"), mr.err());

    t = (ObjectNode) Cli.parse(good);
    ((ArrayNode) t.get("summary")).set(0, t.textNode("version 1 -> 1"));
    Cli.write(b, t.toString());
    assertTrue(
        offlineSign(b, "root-old").fails(3).err().contains("its change summary does not describe"));

    t = (ObjectNode) Cli.parse(good);
    ObjectNode sig = (ObjectNode) t.get("signatures").get(0);
    byte[] raw = Base64.getDecoder().decode(sig.get("sig").asText());
    raw[0] ^= 1;
    sig.put("sig", Base64.getEncoder().encodeToString(raw));
    Cli.write(b, t.toString());
    Cli.Result bad = run(NOW, home, "ceremony", "merge", "-r", "myrepo", b.toString()).fails(3);
    assertTrue(bad.err().contains("does not verify over the bundle's bytes"), bad.err());

    t = (ObjectNode) Cli.parse(good);
    ((ObjectNode) t.get("thresholds").get(0)).put("threshold", 0);
    Cli.write(b, t.toString());
    assertTrue(offlineSign(b, "root-old").fails(3).err().contains("its thresholds are not those"));

    // content and its hash changed together: the summary no longer matches
    t = (ObjectNode) Cli.parse(good);
    ((ObjectNode) t.get("signed")).put("version", 3);
    t.put("signed_sha256", io.garagehsm.metadata.CanonicalJson.sha256Hex(t.get("signed")));
    Cli.write(b, t.toString());
    assertTrue(offlineSign(b, "root-old").fails(3).err().contains("not the trusted root's 1 + 1"));
    assertFalse(Files.exists(repo.resolve("roles/root.json.tmp")));
  }

  @Test
  void aBundleFromAStaleUnsignedFileIsRefused() throws Exception {
    Path b = export("root", "root.bundle.json");
    offlineSign(b, "root-new").ok();
    offlineSign(b, "root-old").ok();
    // the unsigned root changes after the export
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "targets").ok();
    Map<String, String> before = Cli.snapshot(repo.resolve("roles"));
    Cli.Result r = run(NOW, home, "ceremony", "merge", "-r", "myrepo", b.toString()).fails(3);
    assertTrue(r.err().contains("was made from a different unsigned root.json (SHA-256 "), r.err());
    assertTrue(r.err().contains("hint: the unsigned role changed after the export"), r.err());
    assertEquals(before, Cli.snapshot(repo.resolve("roles")));
  }

  @Test
  void aKeyTheBundleDoesNotNeedIsRefused() throws Exception {
    Path b = export("root", "root.bundle.json");
    String before = Files.readString(b);
    Cli.Result r = offlineSign(b, "targets").fails(3);
    assertTrue(r.err().contains("is not one of the keys this bundle needs"), r.err());
    assertEquals(before, Files.readString(b));
  }

  @Test
  void targetsBundleSummarisesTargetChanges() throws Exception {
    String sha = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";
    run(NOW, home, "targets", "sign", "-r", "myrepo", "--key-name", "targets").ok();
    run(
            NOW,
            home,
            "targets",
            "add",
            "-r",
            "myrepo",
            "--name",
            "fw",
            "--version",
            "2.0",
            "--length",
            "12",
            "--sha256",
            sha,
            "--hardwareids",
            "board")
        .ok();
    Path b = export("targets", "targets.bundle.json");
    String summary = readJson(b).get("summary").toString();
    assertTrue(summary.contains("target added: fw-2.0 (length 12, sha256 " + sha + ")"), summary);
    Cli.Result s = offlineSign(b, "targets").ok();
    assertTrue(s.err().contains("signed with key 'targets': targets: 1 of 1 signatures"), s.err());
    run(NOW, home, "ceremony", "merge", "-r", "myrepo", b.toString()).ok();
    JsonNode t = readJson(repo.resolve("roles/targets.json"));
    assertTrue(t.get("signed").get("targets").has("fw-2.0"));
    AktualizrVerifier.Result v =
        AktualizrVerifier.verifyTargets(t, readJson(repo.resolve("roles/root.json")).get("signed"));
    assertTrue(v.ok(), v.reason());
  }
}
