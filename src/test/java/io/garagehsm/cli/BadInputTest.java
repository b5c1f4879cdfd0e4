package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input never changes the repository; every error names what is wrong. */
class BadInputTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;
  Path repo;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
  }

  /** Runs a failing command and asserts its exit code, message and that nothing changed. */
  Cli.Result refused(int code, String expectedInErr, String... args) {
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result r = run(NOW, home, args).fails(code);
    assertTrue(r.err().contains(expectedInErr), () -> "stderr was:\n" + r.err());
    assertEquals(before, Cli.snapshot(home), "files changed");
    return r;
  }

  static String[] add(String name, String... extra) {
    String[] base = {
      "targets",
      "add",
      "-r",
      "myrepo",
      "--name",
      name,
      "--version",
      "1",
      "--length",
      "1",
      "--sha256",
      "00".repeat(32),
      "--hardwareids",
      "hw"
    };
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  @Test
  void malformedJsonNamesTheFile() throws Exception {
    Cli.write(repo.resolve("roles/unsigned/targets.json"), "{\"expires\": ");
    refused(3, repo.resolve("roles/unsigned/targets.json") + " is not valid JSON", add("x"));
    refused(3, "targets.json is not valid JSON", "targets", "get-unsigned", "-r", "myrepo");
    refused(
        3,
        "targets.json is not valid JSON",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--key-name",
        "targets");
  }

  @Test
  void zipsWithEscapingEntryNamesAreRefusedWholesale() throws Exception {
    for (String bad : new String[] {"../evil", "keys/../../evil", "/etc/evil", "C:\\evil"}) {
      Map<String, byte[]> entries = new LinkedHashMap<>();
      entries.put("treehub.json", "{\"no_auth\":true,\"ostree\":{}}".getBytes());
      entries.put("tufrepo.url", "http://x/".getBytes());
      entries.put(bad, "x".getBytes());
      Path zip = home.resolve("evil.zip");
      writeZip(zip, entries);
      Cli.Result r = refused(3, "unsafe entry name", "init", "-r", "other", "-c", zip.toString());
      assertTrue(r.err().contains("refusing the whole zip"), r.err());
      assertFalse(Files.exists(home.resolve("other")));
      assertFalse(Files.exists(home.getParent().resolve("evil")));
    }
  }

  static void writeZip(Path zip, Map<String, byte[]> entries) throws Exception {
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
  }

  @Test
  void unknownKeyNames() {
    refused(3, "unknown key 'nope'", "targets", "sign", "-r", "myrepo", "--key-name", "nope");
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        Cli.read(Vectors.path("repo-flow/credentials-contents/root.json"))
            .replaceFirst("^\\{\"signatures\".*?\"signed\":", "")
            .replaceAll("}$", ""));
    refused(3, "unknown key 'nope'", "root", "key", "add", "-r", "myrepo", "-k", "nope");
    refused(3, "unknown key 'nope'", "root", "sign", "-r", "myrepo", "-k", "nope");
    refused(
        3, "unknown key 'nope'", "targets", "sign", "-r", "myrepo", "--signatures", "nope=AAAA");
    refused(3, "invalid key name '../x'", "targets", "sign", "-r", "myrepo", "--key-name", "../x");
  }

  @Test
  void wrongKeyTypes() throws Exception {
    Cli.Result r =
        refused(
            255,
            "Invalid keytype: Ed25519 valid: (ed25519, rsa)",
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "k",
            "-t",
            "Ed25519");
    refused(
        3,
        "Key size too small",
        "key",
        "generate",
        "-r",
        "myrepo",
        "-n",
        "k",
        "-t",
        "rsa",
        "--keysize",
        "1024");
    refused(
        3, "Key size too small", "key", "generate", "-r", "myrepo", "-n", "k", "--keysize", "512");
    refused(
        3,
        "--token must name a token, not a key",
        "key",
        "generate",
        "-r",
        "myrepo",
        "-n",
        "k",
        "--token",
        "pkcs11:token=x;object=y");
    assertTrue(r.err().contains("hint:"));
    // an ECDSA key can be imported (as garage-sign does) but never enter a role
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(g.generateKeyPair().getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    Path pemFile = home.resolve("ec.pem");
    Files.writeString(pemFile, pem);
    Cli.Result imp =
        run(
                NOW,
                home,
                "user-keys",
                "importpub",
                "-r",
                "myrepo",
                "-k",
                "ec",
                "-i",
                pemFile.toString())
            .ok();
    assertTrue(imp.err().contains("ECDSA P-256 keys cannot sign Uptane metadata"), imp.err());
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        Cli.readJson(repo.resolve("roles/root.json")).get("signed").toString());
    refused(
        3,
        "ECDSA P-256 keys cannot sign",
        "root",
        "targets-key",
        "add",
        "-r",
        "myrepo",
        "-k",
        "ec");
    refused(
        3,
        "ECDSA P-256 keys cannot sign",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "ec=AAAA");
  }

  @Test
  void expiryRules() throws Exception {
    Cli.Result past =
        refused(
            1,
            "The metadata expiration date lies in the past, use --force",
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--key-name",
            "targets",
            "--expires",
            "2020-01-01T00:00:00Z");
    assertTrue(past.err().contains("--expires <date> or --expire-after <period>"), past.err());
    // without a flag the unsigned file's expiry is kept, and that has passed by 2027
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result kept =
        run(
                at("2027-06-01T00:00:00Z"),
                home,
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--key-name",
                "targets")
            .fails(1);
    assertTrue(kept.err().contains("kept from the unsigned file"), kept.err());
    assertEquals(before, Cli.snapshot(home));
    refused(
        255,
        "cannot be used together",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--key-name",
        "targets",
        "--expires",
        "2030-01-01T00:00:00Z",
        "--expire-after",
        "1Y");
    refused(
        255,
        "--expire-after",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--key-name",
        "targets",
        "--expire-after",
        "36H");
    refused(
        255,
        "--expires",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--key-name",
        "targets",
        "--expires",
        "tomorrow");
    // --force signs an expired file
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
            "2020-01-01T00:00:00+02:00",
            "--force")
        .ok();
    assertEquals(
        "2019-12-31T22:00:00Z",
        Cli.readJson(repo.resolve("roles/targets.json")).get("signed").get("expires").asText());
  }

  @Test
  void nonAsciiTargetsAreRefusedAtAddTime() {
    refused(3, "--name (U+00E9 at offset 3) contains a non-ASCII character", add("caf\u00e9"));
    refused(3, "--customMeta.note (U+00FC", add("x", "--customMeta", "{\"note\":\"f\u00fcr\"}"));
    refused(
        3,
        "--hardwareids",
        "targets",
        "add",
        "-r",
        "myrepo",
        "--name",
        "x",
        "--version",
        "1",
        "--length",
        "1",
        "--sha256",
        "00".repeat(32),
        "--hardwareids",
        "b\u00f6rd");
    refused(255, "must not set \"uri\"", add("x", "--customMeta", "{\"uri\":\"x\"}"));
    refused(
        255,
        "--sha256",
        "targets",
        "add",
        "-r",
        "myrepo",
        "--name",
        "x",
        "--version",
        "1",
        "--length",
        "1",
        "--sha256",
        "abc",
        "--hardwareids",
        "hw");
    refused(3, "invalid target filename", add("a..b"));
  }

  @Test
  void aLockedRepositoryIsReportedAndLeftAlone() {
    try (RepoLock lock = Repository.open(home, "myrepo").lock()) {
      refused(3, "repository 'myrepo' is locked by another garage-hsm run", add("x"));
      refused(3, "is locked", "targets", "sign", "-r", "myrepo", "--key-name", "targets");
      refused(3, "is locked", "key", "generate", "-r", "myrepo", "-n", "k");
    }
    run(NOW, home, add("x")).ok();
  }

  @Test
  void directorRepositoriesRefuseTargetsCommands() {
    Cli.write(
        repo.resolve("config.json"),
        Cli.read(repo.resolve("config.json")).replace("\"RepoServer\"", "\"Director\""));
    refused(1, "Director repository", add("x"));
  }

  @Test
  void signaturesMustBeWellFormed() {
    refused(
        255,
        "is not <key-name>=<base64 signature>",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "targets");
    refused(
        3,
        "Wrong signature: keyId: 4a0047d3",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "targets=!!notbase64");
    refused(
        255,
        "cannot be combined",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "targets=AAAA",
        "--key-name",
        "targets");
  }

  @Test
  void unknownRepository() {
    refused(3, "repository 'nope' is not initialised", "targets", "get-unsigned", "-r", "nope");
  }
}
