package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static io.garagehsm.cli.Cli.vectorJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server-less steps of the vectors' repo-flow, rebuilt byte for byte. */
class RepoFlowTest {
  static final Clock ADD1 = at("2026-11-26T06:03:46Z");
  static final Clock ADD2 = at("2026-11-26T06:03:52Z");
  static final Clock SIGN = at("2026-11-26T06:04:10Z");

  @TempDir Path home;

  /** init from the vector zip, then the unsigned targets as 'targets pull' would write them. */
  Path initAndPull() throws Exception {
    Path zip = Vectors.path("repo-flow/credentials.zip");
    Cli.Result r = run(ADD1, home, "init", "-r", "myrepo", "-c", zip.toString()).ok();
    assertEquals(
        "Saved keys to "
            + home
            + "/myrepo/keys/{targets.sec, targets.pub}\n"
            + "Finished init for myrepo using "
            + zip
            + "\n",
        r.err());
    Path repo = home.resolve("myrepo");
    JsonNode server = vectorJson("repo-flow/server-targets-v1.canonical.json");
    Cli.write(repo.resolve("roles/unsigned/targets.json"), server.get("signed").toString());
    Files.writeString(
        repo.resolve("roles/targets.json.checksum"),
        Vectors.text("repo-flow/tuf/myrepo/roles/targets.json.checksum"));
    return repo;
  }

  void addTwoTargets(Path repo) {
    Cli.Result r =
        run(
                ADD1,
                home,
                "targets",
                "add",
                "-r",
                "myrepo",
                "--name",
                "app-firmware",
                "--version",
                "1.0.0",
                "--length",
                "32",
                "--sha256",
                "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f",
                "--hardwareids",
                "board-a,board-b",
                "--format",
                "binary",
                "--url",
                "https://updates.example.org/fw/app-firmware-1.0.0.bin")
            .ok();
    assertEquals("added target to " + repo.resolve("roles/unsigned/targets.json") + "\n", r.err());
    assertEquals("", r.out());
    run(
            ADD2,
            home,
            "targets",
            "add",
            "-r",
            "myrepo",
            "--name",
            "os-image",
            "--version",
            "2.3.4",
            "--length",
            "0",
            "--sha256",
            "4a6f1c3e0b9d8e7f6a5b4c3d2e1f00112233445566778899aabbccddeeff0011",
            "--hardwareids",
            "board-a",
            "--format",
            "ostree",
            "--customMeta",
            "{\"releaseNotes\":\"security fixes\",\"channel\":{\"name\":\"beta\",\"priority\":5}}")
        .ok();
  }

  @Test
  void initWritesWhatUptaneSignWrites() throws Exception {
    Path repo = initAndPull();
    String v = "repo-flow/tuf/myrepo/";
    assertEquals(vectorJson(v + "config.json"), readJson(repo.resolve("config.json")));
    assertArrayEquals(
        Vectors.bytes("repo-flow/credentials.zip"),
        Files.readAllBytes(repo.resolve("credentials.zip")));
    assertEquals(vectorJson(v + "roles/root.json"), readJson(repo.resolve("roles/root.json")));
    assertEquals(vectorJson(v + "keys/targets.pub"), readJson(repo.resolve("keys/targets.pub")));
    assertEquals(vectorJson(v + "keys/targets.sec"), readJson(repo.resolve("keys/targets.sec")));
    assertFalse(Files.exists(repo.resolve("roles/unsigned/root.json")));
    assertEquals("rwx------", posix(repo.resolve("keys")));
    assertEquals("rw-------", posix(repo.resolve("keys/targets.sec")));
    assertEquals("rwx------", posix(repo.resolve("roles/unsigned")));
    // a second init is refused and changes nothing
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result again =
        run(
                ADD1,
                home,
                "init",
                "-r",
                "myrepo",
                "-c",
                Vectors.path("repo-flow/credentials.zip").toString())
            .fails(3);
    assertTrue(again.err().contains("already initialized"), again.err());
    assertEquals(before, Cli.snapshot(home));
  }

  static String posix(Path p) throws Exception {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void addGetUnsignedSignAndExternalSignatureMatchTheVectors() throws Exception {
    Path repo = initAndPull();
    addTwoTargets(repo);
    assertEquals(
        vectorJson("repo-flow/tuf/myrepo/roles/unsigned/targets.json"),
        readJson(repo.resolve("roles/unsigned/targets.json")));

    Cli.Result unsigned = run(SIGN, home, "targets", "get-unsigned", "-r", "myrepo").ok();
    assertArrayEquals(
        Vectors.bytes("repo-flow/targets-unsigned-v1.canonical.txt"), unsigned.outBytes());
    assertEquals("", unsigned.err());

    Cli.Result signed =
        run(SIGN, home, "targets", "sign", "-r", "myrepo", "--key-name", "targets").ok();
    // issue 10: the line says what was signed (version, expiry, key) and where it was saved
    JsonNode signedTargets = readJson(repo.resolve("roles/targets.json"));
    assertEquals(
        "signed targets.json v2, expires "
            + signedTargets.path("signed").path("expires").asText()
            + ", key targets ("
            + signedTargets.path("signatures").get(0).path("keyid").asText().substring(0, 8)
            + "…); saved to "
            + repo.resolve("roles/targets.json")
            + "\n",
        signed.err());
    assertEquals(
        vectorJson("repo-flow/targets-v2.signed-default-expiry.json"),
        readJson(repo.resolve("roles/targets.json")));
    // the unsigned file is left unchanged
    assertEquals(
        vectorJson("repo-flow/tuf/myrepo/roles/unsigned/targets.json"),
        readJson(repo.resolve("roles/unsigned/targets.json")));

    run(
            SIGN,
            home,
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--key-name",
            "targets",
            "--expires",
            "2030-01-01T00:00:00Z")
        .ok();
    assertEquals(
        vectorJson("repo-flow/tuf/myrepo/roles/targets.json"),
        readJson(repo.resolve("roles/targets.json")));
    assertTrue(
        AktualizrVerifier.verifyTargets(
                readJson(repo.resolve("roles/targets.json")),
                readJson(repo.resolve("roles/root.json")).get("signed"))
            .ok());

    // external-signature flow: the server's v2 becomes the unsigned file after the second pull
    Cli.write(
        repo.resolve("roles/unsigned/targets.json"),
        readJson(repo.resolve("roles/targets.json")).get("signed").toString());
    Cli.Result inc = run(SIGN, home, "targets", "increment-version", "-r", "myrepo").ok();
    assertEquals(
        "Version incremented for unsigned target.json saved to "
            + repo.resolve("roles/unsigned/targets.json")
            + "\n",
        inc.err());
    Cli.Result v3 = run(SIGN, home, "targets", "get-unsigned", "-r", "myrepo").ok();
    assertArrayEquals(
        Vectors.bytes("repo-flow/external-signature/targets-unsigned-v3.canonical.txt"),
        v3.outBytes());
    String sig = Vectors.text("repo-flow/external-signature/signature-ed25519.b64").trim();

    // wrong signature: exit 3, garage-sign's message, nothing written
    Map<String, String> before = Cli.snapshot(repo);
    String bad = "gQ" + sig.substring(2);
    Cli.Result wrong =
        run(SIGN, home, "targets", "sign", "-r", "myrepo", "--signatures", "targets=" + bad)
            .fails(3);
    assertTrue(
        wrong
            .err()
            .startsWith(
                "error: Wrong signature: keyId: 4a0047d308e21da87a762408bea06c745f5e9cc5478a949ed1b31ef8784cea2f signature: "
                    + bad
                    + "\n"),
        wrong.err());
    assertEquals(before, Cli.snapshot(repo));
    Cli.Result withVersion =
        run(
                SIGN,
                home,
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--signatures",
                "targets=" + sig,
                "--version",
                "4")
            .fails(3);
    assertTrue(
        withVersion.err().startsWith("error: If you pass a signature you can't pass a version"));
    assertEquals(before, Cli.snapshot(repo));

    run(
            SIGN,
            home,
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--signatures",
            "targets=" + sig,
            "--expire-after",
            "1Y")
        .ok();
    JsonNode v3signed = readJson(repo.resolve("roles/targets.json"));
    assertEquals(vectorJson("repo-flow/external-signature/targets-v3.signed.json"), v3signed);
  }

  @Test
  void vectorRepositoryContinuesInGarageHsm() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Cli.Result unsigned = run(SIGN, home, "targets", "get-unsigned", "-r", "myrepo").ok();
    assertArrayEquals(
        Vectors.bytes("repo-flow/targets-unsigned-v1.canonical.txt"), unsigned.outBytes());
    run(SIGN, home, "targets", "delete", "-r", "myrepo", "--filename", "os-image-2.3.4").ok();
    run(SIGN, home, "targets", "sign", "-r", "myrepo", "--key-name", "targets", "--version", "7")
        .ok();
    JsonNode t = readJson(home.resolve("myrepo/roles/targets.json"));
    assertEquals(7, t.get("signed").get("version").asInt());
    assertEquals(1, t.get("signed").get("targets").size());
  }
}
