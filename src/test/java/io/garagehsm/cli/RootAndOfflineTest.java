package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static io.garagehsm.cli.Cli.vectorJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** root-rotation and move-offline vectors continued offline in garage-hsm. */
class RootAndOfflineTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  /** The repo-flow repository after 'move-offline' (old root key local) and 'root pull'. */
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

  @Test
  void rootKeyAddGetUnsignedAndSignWithOldAndNewKey() throws Exception {
    Path repo = rotationStart();
    Cli.Result add = run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    assertEquals(
        "keys added to unsigned root.json saved to "
            + repo.resolve("roles/unsigned/root.json")
            + "\n",
        add.err());
    assertEquals(
        vectorJson("root-rotation/tuf/myrepo/roles/unsigned/root.json"),
        readJson(repo.resolve("roles/unsigned/root.json")));
    Cli.Result unsigned = run(NOW, home, "root", "get-unsigned", "-r", "myrepo").ok();
    assertArrayEquals(
        Vectors.bytes("root-rotation/root-unsigned.canonical.txt"), unsigned.outBytes());

    JsonNode v1 = readJson(repo.resolve("roles/root.json"));
    Cli.Result sign =
        run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old", "-k", "root-new").ok();
    assertEquals(
        "signed with key 'root-old': new root: 1 of 1 signatures; previous root: 1 of 1\n"
            + "signed with key 'root-new': new root: 1 of 1 signatures; previous root: 1 of 1\n"
            // issue 10: the result line says version, expiry, keys and thresholds
            + "signed root.json v2, expires "
            + readJson(repo.resolve("roles/root.json")).at("/signed/expires").asText()
            + ", keys root-old (348a1efc…), root-new ("
            + new io.garagehsm.repo.KeyDirectory(repo.resolve("keys"))
                .publicKey("root-new")
                .keyId()
                .substring(0, 8)
            + "…); new root 1 of 1, previous root 1 of 1; saved to "
            + repo.resolve("roles/root.json")
            + "\n",
        sign.err());
    JsonNode v2 = readJson(repo.resolve("roles/root.json"));
    JsonNode expected = vectorJson("root-rotation/tuf/myrepo/roles/root.json");
    assertEquals(expected.get("signed"), v2.get("signed"));
    // signature order is insignificant; Ed25519 is deterministic, RSA-PSS is randomised
    Map<String, String> sigs = sigsByKey(v2);
    Map<String, String> want = sigsByKey(expected);
    assertEquals(want.keySet(), sigs.keySet());
    String oldId = "348a1efc9d3db95bb0cc6428b6748eb14974a6b0edcd5edbb9de0d3d79e9ac80";
    assertEquals(want.get(oldId), sigs.get(oldId));
    AktualizrVerifier.Result r = AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed"));
    assertTrue(r.ok(), r.reason());
    // the unsigned file stays at version 1
    assertEquals(1, readJson(repo.resolve("roles/unsigned/root.json")).get("version").asInt());
    // and the vector's root v2 verifies in the same chain check
    assertTrue(AktualizrVerifier.verifyRootUpdate(expected, v1.get("signed")).ok());
  }

  @Test
  void keyRemoveAndVerifyRoot() throws Exception {
    Path repo = rotationStart();
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    Cli.Result rm = run(NOW, home, "root", "key", "remove", "-r", "myrepo", "-k", "root-new").ok();
    assertTrue(rm.err().contains("keys removed from unsigned root.json"), rm.err());
    assertEquals(
        readJson(repo.resolve("roles/root.json")).get("signed"),
        readJson(repo.resolve("roles/unsigned/root.json")));
    run(
            NOW,
            home,
            "verify-root",
            "-r",
            "myrepo",
            "-i",
            Vectors.path("root-rotation/tuf/myrepo/roles/root.json").toString())
        .ok();
    Cli.Result bad =
        run(
                NOW,
                home,
                "verify-root",
                "-r",
                "myrepo",
                "-i",
                Vectors.path("negative/targets.valid.json").toString())
            .fails(3);
    assertTrue(bad.err().contains("not a root role"), bad.err());
  }

  static Map<String, String> sigsByKey(JsonNode env) {
    Map<String, String> m = new HashMap<>();
    env.get("signatures").forEach(s -> m.put(s.get("keyid").asText(), s.get("sig").asText()));
    return m;
  }

  @Test
  void rootSignRefusesASkippedVersionAndChangesNothing() throws Exception {
    Path repo = rotationStart();
    com.fasterxml.jackson.databind.node.ObjectNode u =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            readJson(repo.resolve("roles/unsigned/root.json"));
    u.put("version", 2); // edited by hand, as the documented threshold procedure suggests
    Cli.write(repo.resolve("roles/unsigned/root.json"), u.toString());
    Map<String, String> before = Cli.snapshot(repo);
    Cli.Result r = run(NOW, home, "root", "sign", "-r", "myrepo", "-k", "root-old").fails(3);
    assertTrue(r.err().contains("would be version 3"), r.err());
    assertTrue(r.err().contains("hint: do not edit \"version\""), r.err());
    assertEquals(before, Cli.snapshot(repo));
  }

  @Test
  void rootExternalSignatureWithOldRootAlias() throws Exception {
    Path repo = rotationStart();
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "root-new").ok();
    run(NOW, home, "root", "increment-version", "-r", "myrepo").ok();
    byte[] payload = run(NOW, home, "root", "get-unsigned", "-r", "myrepo").ok().outBytes();
    // root-new signs outside the tool (stands in for an HSM)
    String sig =
        Cli.runRaw(
                NOW,
                "sign-json",
                "-k",
                repo.resolve("keys/root-new.sec").toString(),
                "-p",
                repo.resolve("keys/root-new.pub").toString(),
                "-i",
                writeTemp(payload).toString())
            .ok()
            .out();
    String b64 = Cli.parse(sig).get("signatures").get(0).get("sig").asText();
    run(
            NOW,
            home,
            "root",
            "sign",
            "-r",
            "myrepo",
            "--old-root-alias",
            "root-old",
            "--signatures",
            "root-new=" + b64)
        .ok();
    JsonNode v2 = readJson(repo.resolve("roles/root.json"));
    assertEquals(2, v2.get("signed").get("version").asInt());
    assertEquals(2, v2.get("signatures").size());
    JsonNode v1 = vectorJson("repo-flow/tuf/myrepo/roles/root.json");
    AktualizrVerifier.Result r = AktualizrVerifier.verifyRootUpdate(v2, v1.get("signed"));
    assertTrue(r.ok(), r.reason());
  }

  Path writeTemp(byte[] b) throws Exception {
    Path p = home.resolve("payload.json");
    Files.write(p, b);
    return p;
  }

  @Test
  void moveOfflineRepositoryIsReadableAndContinuable() throws Exception {
    Cli.copyVector("move-offline/tuf/offline", home.resolve("offline"));
    Path repo = home.resolve("offline");
    Clock clock = at("2027-01-01T00:00:00Z");
    run(clock, home, "targets", "get-unsigned", "-r", "offline").ok();
    run(clock, home, "root", "get-unsigned", "-r", "offline").ok();
    run(
            clock,
            home,
            "targets",
            "add",
            "-r",
            "offline",
            "--name",
            "fw",
            "--version",
            "2",
            "--length",
            "1",
            "--sha256",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "--hardwareids",
            "hw")
        .ok();
    run(
            clock,
            home,
            "targets",
            "sign",
            "-r",
            "offline",
            "--key-name",
            "newtargets",
            "--expire-after",
            "1M")
        .ok();
    JsonNode t = readJson(repo.resolve("roles/targets.json"));
    assertEquals("2027-02-01T00:00:00Z", t.get("signed").get("expires").asText());
    JsonNode root = readJson(repo.resolve("roles/root.json"));
    AktualizrVerifier.Result r = AktualizrVerifier.verifyTargets(t, root.get("signed"));
    assertTrue(r.ok(), r.reason());
    // the root v2 made by move-offline verifies against root v1 in the aktualizr-style check
    assertTrue(
        AktualizrVerifier.verifyRootUpdate(
                root, vectorJson("move-offline/1.root.json").get("signed"))
            .ok());
  }
}
