package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 4 for the commands the first rounds left out: delegations init / add-target /
 * sign, user-keys importpub, import-client-cert, root increment-version, and targets upload. Each
 * ends with one stderr line saying what happened; with --json stdout is exactly one JSON object
 * with the result's fields; a failing command with --json prints no JSON and keeps its exit code.
 */
class DelegationsAndSetupResultTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String SHA = "ab".repeat(32);
  @TempDir Path home;

  /** Stdout is exactly one JSON object (nothing before or after it but the final newline). */
  static JsonNode single(Cli.Result r) throws Exception {
    return single(r.out());
  }

  static JsonNode single(String out) throws Exception {
    assertTrue(out.startsWith("{") && out.endsWith("}\n"), out);
    try (JsonParser p = Cli.JSON.createParser(out)) {
      JsonNode n = Cli.JSON.readTree(p);
      assertTrue(n.isObject(), out);
      assertNull(p.nextToken(), "more than one JSON value on stdout: " + out);
      return n;
    }
  }

  static String lastLine(String err) {
    List<String> lines = err.lines().toList();
    return lines.get(lines.size() - 1);
  }

  @Test
  void delegationsInitAddTargetAndSignSayVersionExpiryKeysAndFile() throws Exception {
    run(NOW, home, "user-keys", "gen", "-k", "supplier").ok();
    Path uk = home.resolve("user-keys");
    String keyId = new KeyDirectory(uk).publicKey("supplier").keyId();
    Path file = home.resolve("delegated.json");

    // init: printed on stdout as before (no JSON), or written to -o with --json
    Cli.Result printed = run(NOW, home, "delegations", "init").ok();
    assertEquals(1, Cli.parse(printed.out()).get("version").asInt());
    assertEquals(
        "created unsigned delegated targets role v1, expires 2027-11-26T07:00:00Z, no targets;"
            + " printed on stdout",
        lastLine(printed.err()));
    Cli.Result init = run(NOW, home, "delegations", "init", "-o", file.toString(), "--json").ok();
    JsonNode i = single(init);
    assertEquals("delegations init", i.get("command").asText());
    assertEquals(1, i.get("version").asInt());
    assertEquals("2027-11-26T07:00:00Z", i.get("expires").asText());
    assertEquals(0, i.get("targetCount").asInt());
    assertEquals(file.toString(), i.get("output").asText());
    assertEquals(Cli.parse(printed.out()), Cli.readJson(file));
    assertEquals(
        "created unsigned delegated targets role v1, expires 2027-11-26T07:00:00Z, no targets;"
            + " saved to "
            + file,
        lastLine(init.err()));

    Cli.Result add =
        run(
                NOW,
                home,
                "delegations",
                "add-target",
                "-i",
                file.toString(),
                "-e",
                "--name",
                "ecu",
                "--version",
                "1",
                "--length",
                "3",
                "--sha256",
                SHA,
                "--hardwareids",
                "hw",
                "--json")
            .ok();
    JsonNode a = single(add);
    assertEquals("delegations add-target", a.get("command").asText());
    assertEquals("ecu-1", a.get("target").asText());
    assertFalse(a.get("replaced").asBoolean());
    assertEquals(1, a.get("targetCount").asInt());
    assertEquals(1, a.get("version").asInt());
    assertEquals("2027-11-26T07:00:00Z", a.get("expires").asText());
    assertEquals(file.toString(), a.get("input").asText());
    assertEquals(file.toString(), a.get("output").asText());
    assertTrue(Cli.readJson(file).get("targets").has("ecu-1"));
    assertEquals(
        "added target ecu-1 in delegation " + file + " (v1, 1 target); saved to " + file,
        lastLine(add.err()));

    Cli.Result sign =
        run(
                NOW,
                home,
                "delegations",
                "sign",
                "-k",
                "supplier",
                "-i",
                file.toString(),
                "-e",
                "--json")
            .ok();
    JsonNode s = single(sign);
    assertEquals("delegations sign", s.get("command").asText());
    assertEquals(1, s.get("version").asInt());
    assertEquals("2027-11-26T07:00:00Z", s.get("expires").asText());
    assertEquals("supplier", s.at("/keys/0/name").asText());
    assertEquals(keyId, s.at("/keys/0/keyid").asText());
    assertTrue(s.at("/keys/0/token").isNull());
    assertEquals(uk.resolve("supplier.sec").toString(), s.at("/keys/0/location").asText());
    assertEquals(1, s.get("signatureCount").asInt());
    assertEquals(file.toString(), s.get("output").asText());
    JsonNode env = Cli.readJson(file);
    assertEquals(keyId, env.at("/signatures/0/keyid").asText());
    assertEquals(
        "signed delegation "
            + file
            + " v1, expires 2027-11-26T07:00:00Z, key supplier ("
            + keyId.substring(0, 8)
            + "…); 1 signature; saved to "
            + file,
        lastLine(sign.err()));

    // without -e the envelope alone is stdout, the result line still on stderr
    run(NOW, home, "user-keys", "gen", "-k", "second").ok();
    Cli.Result again =
        run(NOW, home, "delegations", "sign", "-k", "second", "-i", file.toString()).ok();
    assertEquals(2, Cli.parse(again.out()).get("signatures").size());
    assertTrue(lastLine(again.err()).endsWith("; 2 signatures; printed on stdout"), again.err());
  }

  /** --json where the document itself would go to stdout is a usage error; nothing is written. */
  @Test
  void jsonWithoutAFileAndFailingCommandsPrintNoJson() throws Exception {
    Cli.Result init = run(NOW, home, "delegations", "init", "--json").fails(ExitCodes.USAGE);
    assertEquals("", init.out());
    assertTrue(init.err().contains("--json needs -o <file>"), init.err());
    Path file = home.resolve("d.json");
    Files.write(file, run(NOW, home, "delegations", "init").ok().outBytes());
    byte[] before = Files.readAllBytes(file);
    Cli.Result sign =
        run(NOW, home, "delegations", "sign", "-k", "x", "-i", file.toString(), "--json")
            .fails(ExitCodes.USAGE);
    assertEquals("", sign.out());
    assertTrue(sign.err().contains("--json needs -e"), sign.err());
    // a key that does not exist: the error line, its exit code, no JSON, the file unchanged
    Cli.Result missing =
        run(NOW, home, "delegations", "sign", "-k", "nokey", "-i", file.toString(), "-e", "--json")
            .fails(ExitCodes.OTHER);
    assertEquals("", missing.out());
    assertTrue(missing.err().startsWith("error: "), missing.err());
    assertArrayEquals(before, Files.readAllBytes(file));
    Cli.Result addNoFile =
        run(
                NOW,
                home,
                "delegations",
                "add-target",
                "-i",
                file.toString(),
                "--name",
                "x",
                "--version",
                "1",
                "--length",
                "1",
                "--sha256",
                SHA,
                "--hardwareids",
                "hw",
                "--json")
            .fails(ExitCodes.USAGE);
    assertEquals("", addNoFile.out());

    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path bad = home.resolve("bad.pem");
    Files.writeString(bad, "not a PEM\n");
    Cli.Result imp =
        run(
                NOW,
                home,
                "user-keys",
                "importpub",
                "-r",
                "myrepo",
                "-k",
                "p",
                "-i",
                bad.toString(),
                "--json")
            .fails(ExitCodes.OTHER);
    assertEquals("", imp.out());
    assertFalse(Files.exists(home.resolve("myrepo/keys/p.pub")));
    // no unsigned root.json in the vector repository
    Cli.Result inc = run(NOW, home, "root", "increment-version", "-r", "myrepo", "--json").fails(3);
    assertEquals("", inc.out());
    Cli.Result cert =
        run(
                NOW,
                home,
                "import-client-cert",
                "-r",
                "myrepo",
                "-c",
                home.resolve("none.p12").toString(),
                "--json")
            .fails(ExitCodes.OTHER);
    assertEquals("", cert.out());
  }

  @Test
  void importpubSaysWhichKeyAndEveryFile() throws Exception {
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    PublicKey pub = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
    Path pem = home.resolve("partner.pem");
    Files.writeString(
        pem,
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pub.getEncoded())
            + "\n-----END PUBLIC KEY-----\n");
    String keyId =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pub.getEncoded()));
    Cli.Result r =
        run(
                NOW,
                home,
                "user-keys",
                "importpub",
                "-r",
                "myrepo",
                "-k",
                "partner",
                "-k",
                "alias",
                "-i",
                pem.toString(),
                "--json")
            .ok();
    JsonNode j = single(r);
    assertEquals("user-keys importpub", j.get("command").asText());
    assertEquals(keyId, j.get("keyid").asText());
    assertEquals("Ed25519", j.get("keyType").asText());
    assertEquals(List.of("partner", "alias"), strings(j.get("names")));
    assertEquals(
        List.of(
            repo.resolve("keys/partner.pub").toString(), repo.resolve("keys/alias.pub").toString()),
        strings(j.get("filesWritten")));
    assertTrue(j.get("usableForRoles").asBoolean());
    assertTrue(j.get("unusableReason").isNull());
    // one line for both files (garage-hsm's own wording; one line per file before)
    assertEquals(
        "Imported Ed25519 key "
            + keyId
            + " to "
            + repo.resolve("keys/partner.pub")
            + ", "
            + repo.resolve("keys/alias.pub")
            + "\n",
        r.err());
    assertEquals(keyId, new KeyDirectory(repo.resolve("keys")).publicKey("alias").keyId());
  }

  @Test
  void importClientCertAndRootIncrementVersionSayWhatTheyWrote() throws Exception {
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    Path client = home.resolve("client.p12");
    Path server = home.resolve("server.p12");
    Files.write(client, new byte[] {0x30, 1, 2});
    Files.write(server, new byte[] {0x30, 3, 4});
    Cli.Result cert =
        run(
                NOW,
                home,
                "import-client-cert",
                "-r",
                "myrepo",
                "-c",
                client.toString(),
                "-s",
                server.toString(),
                "--json")
            .ok();
    JsonNode c = single(cert);
    assertEquals("import-client-cert", c.get("command").asText());
    assertEquals("mtls", c.get("auth").asText());
    assertTrue(c.get("serverTrustStore").asBoolean());
    assertEquals(
        List.of(
            repo.resolve("client_auth.p12").toString(),
            repo.resolve("server.p12").toString(),
            repo.resolve("config.json").toString()),
        strings(c.get("filesWritten")));
    assertEquals(
        "client_auth.p12", Cli.readJson(repo.resolve("config.json")).at("/auth/certPath").asText());
    assertEquals(
        "Imported client certificate into "
            + repo
            + " (client_auth.p12, server.p12, config.json); the repository now uses mutual TLS"
            + " with its own server trust store",
        lastLine(cert.err()));

    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        Cli.readJson(repo.resolve("roles/root.json")).get("signed").toString());
    Cli.Result inc = run(NOW, home, "root", "increment-version", "-r", "myrepo", "--json").ok();
    JsonNode v = single(inc);
    assertEquals("root increment-version", v.get("command").asText());
    assertEquals(1, v.get("previousVersion").asInt());
    assertEquals(2, v.get("version").asInt());
    assertEquals(repo.resolve("roles/unsigned/root.json").toString(), v.get("file").asText());
    assertEquals(2, Cli.readJson(repo.resolve("roles/unsigned/root.json")).get("version").asInt());
    // garage-sign's line, as for targets increment-version
    assertEquals(
        "Version incremented for unsigned root.json saved to "
            + repo.resolve("roles/unsigned/root.json")
            + "\n",
        inc.err());
    // plain: the same line, stdout empty
    Cli.Result plain = run(NOW, home, "root", "increment-version", "-r", "myrepo").ok();
    assertEquals("", plain.out());
    assertEquals(3, Cli.readJson(repo.resolve("roles/unsigned/root.json")).get("version").asInt());
  }

  @Test
  void targetsUploadSaysWhatWentUp() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      TestRepos.create(home, "r", server);
      byte[] data = new byte[3000];
      new Random(7).nextBytes(data);
      Path f = home.resolve("fw.bin");
      Files.write(f, data);
      CliRun.Result r = uploadJson(f, "1.0");
      assertEquals(0, r.exit(), r.toString());
      JsonNode j = single(r.out());
      assertEquals("targets upload", j.get("command").asText());
      assertEquals(f.toString(), j.get("input").asText());
      assertEquals("fw-1.0", j.get("filename").asText());
      assertEquals(3000, j.get("length").asLong());
      assertFalse(j.get("multipart").asBoolean());
      assertArrayEquals(data, server.stored("fw-1.0"));
      assertEquals("Uploaded " + f + " (3000 bytes) as fw-1.0", lastLine(r.err()));

      // a failed upload with --json: exit 3, no JSON
      server.inject(x -> x.path().contains("uploads/"), TestReposerver.Fault.status(400), 1);
      CliRun.Result failed = uploadJson(f, "2.0");
      assertEquals(3, failed.exit(), failed.toString());
      assertEquals("", failed.out());
    }
  }

  /** {@code targets upload --json} of {@code f} as target fw, version {@code version}. */
  private CliRun.Result uploadJson(Path f, String version) {
    return new CliRun(home)
        .run(
            "targets",
            "upload",
            "-r",
            "r",
            "-i",
            f.toString(),
            "--name",
            "fw",
            "--version",
            version,
            "--json");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
