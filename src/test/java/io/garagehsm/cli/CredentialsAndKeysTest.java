package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.readJson;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.CredentialsZip;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.TokenReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsAndKeysTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  @Test
  void exportThenInitRoundTripsAndKeepsEntryOrder() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    run(NOW, home, "key", "generate", "-r", "myrepo", "-n", "other").ok();
    Path out = home.resolve("exported.zip");
    run(NOW, home, "export-credentials", "-r", "myrepo", "-k", "other", "-o", out.toString()).ok();
    CredentialsZip zip = CredentialsZip.read(out);
    assertEquals(
        List.of("treehub.json", "tufrepo.url", "targets.pub", "targets.sec", "root.json"),
        new ArrayList<>(zip.names()));
    assertEquals("http://127.0.0.1:18191/", zip.text("tufrepo.url").get());
    Path home2 = home.resolve("second");
    run(NOW, home2, "init", "-r", "copy", "-c", out.toString()).ok();
    assertEquals(
        readJson(home.resolve("myrepo/keys/other.pub")),
        readJson(home2.resolve("copy/keys/targets.pub")));
    assertEquals(
        readJson(home.resolve("myrepo/keys/other.sec")),
        readJson(home2.resolve("copy/keys/targets.sec")));
    assertEquals(
        readJson(home.resolve("myrepo/config.json")), readJson(home2.resolve("copy/config.json")));
    assertEquals(
        readJson(home.resolve("myrepo/roles/root.json")),
        readJson(home2.resolve("copy/roles/root.json")));
    assertArrayEquals(
        Files.readAllBytes(out), Files.readAllBytes(home2.resolve("copy/credentials.zip")));
  }

  @Test
  void tokenKeysAreExportedAsReferencesAndRestoredByInit() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    KeyDirectory keys = new KeyDirectory(home.resolve("myrepo/keys"));
    TufKey pub = keys.publicKey("targets");
    keys.writeTokenKey(
        "hsm", pub, new TokenReference("pkcs11:token=tuf;object=targets", pub.keyId()));
    Path out = home.resolve("exported.zip");
    run(NOW, home, "export-credentials", "-r", "myrepo", "-k", "hsm", "-o", out.toString()).ok();
    CredentialsZip zip = CredentialsZip.read(out);
    assertTrue(zip.has("targets.pkcs11"));
    assertFalse(zip.has("targets.sec"));
    Path home2 = home.resolve("second");
    Cli.Result r = run(NOW, home2, "init", "-r", "copy", "-c", out.toString()).ok();
    assertTrue(r.err().contains("targets.pkcs11, targets.pub}"), r.err());
    assertFalse(Files.exists(home2.resolve("copy/keys/targets.sec")));
    JsonNode ref = readJson(home2.resolve("copy/keys/targets.pkcs11"));
    assertEquals("pkcs11:token=tuf;object=targets", ref.get("uri").asText());
    // signing with it asks the token layer; no token 'tuf' exists here: a clear error, no write
    Cli.write(
        home2.resolve("copy/roles/unsigned/targets.json"),
        readJson(Vectors.path("repo-flow/tuf/myrepo/roles/unsigned/targets.json")).toString());
    Map<String, String> before = Cli.snapshot(home2);
    Cli.Result s =
        run(NOW, home2, "targets", "sign", "-r", "copy", "--key-name", "targets").fails(3);
    assertTrue(s.err().contains("token"), s.err());
    assertEquals(before, Cli.snapshot(home2));
  }

  @Test
  void oauthAndMutualTlsZips() throws Exception {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put(
        "treehub.json",
        "{\"oauth2\":{\"server\":\"https://auth/token\",\"client_id\":\"id\",\"client_secret\":\"s\"},\"ostree\":{\"server\":\"https://t\"}}"
            .getBytes());
    e.put("tufrepo.url", "  https://repo.example/ \n".getBytes());
    Path zip = home.resolve("oauth.zip");
    BadInputTest.writeZip(zip, e);
    run(NOW, home, "init", "-r", "o", "-c", zip.toString()).ok();
    JsonNode c = readJson(home.resolve("o/config.json"));
    assertEquals("https://repo.example/", c.get("reposerver").asText());
    assertEquals("none", c.get("auth").get("scope").asText());
    assertEquals(c.get("auth"), c.get("treehub").get("oauth2"));
    assertEquals("RepoServer", c.get("repoServerType").asText());

    e.put("client_auth.p12", new byte[] {1, 2, 3});
    e.put("api_gateway.url", "https://gw.example".getBytes());
    Path mtls = home.resolve("mtls.zip");
    BadInputTest.writeZip(mtls, e);
    run(NOW, home, "init", "-r", "d", "-c", mtls.toString(), "-t", "director").ok();
    JsonNode d = readJson(home.resolve("d/config.json"));
    assertEquals("client_auth.p12", d.get("auth").get("certPath").asText());
    assertTrue(d.get("auth").get("serverCertPath").isNull());
    assertEquals("https://gw.example", d.get("reposerver").asText());
    assertEquals("Director", d.get("repoServerType").asText());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(home.resolve("d/client_auth.p12")));

    Path server = home.resolve("server.p12");
    Files.write(server, new byte[] {9});
    run(
            NOW,
            home,
            "import-client-cert",
            "-r",
            "o",
            "-c",
            server.toString(),
            "-s",
            server.toString())
        .ok();
    JsonNode o2 = readJson(home.resolve("o/config.json"));
    assertEquals("server.p12", o2.get("auth").get("serverCertPath").asText());

    Map<String, byte[]> noAuth = new LinkedHashMap<>();
    noAuth.put("treehub.json", "{\"ostree\":{}}".getBytes());
    noAuth.put("tufrepo.url", "x".getBytes());
    Path bad = home.resolve("bad.zip");
    BadInputTest.writeZip(bad, noAuth);
    Cli.Result r = run(NOW, home, "init", "-r", "b", "-c", bad.toString()).fails(3);
    assertTrue(r.err().contains("auth required with no_auth: false"), r.err());
    assertFalse(Files.exists(home.resolve("b")));
  }

  @Test
  void userKeysAndDelegationsFlow() throws Exception {
    Cli.Result gen = run(NOW, home, "user-keys", "gen", "-k", "supplier").ok();
    Path uk = home.resolve("user-keys");
    assertEquals("Saved keys to " + uk + "/{supplier.sec, supplier.pub}\n", gen.err());
    String id =
        run(NOW, home, "user-keys", "id", "-i", uk.resolve("supplier.pub").toString()).ok().out();
    assertEquals(64, id.length());
    Path file = home.resolve("delegated.json");
    Files.write(file, run(NOW, home, "delegations", "init").ok().outBytes());
    JsonNode init = readJson(file);
    assertEquals("2027-11-26T07:00:00Z", init.get("expires").asText());
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
            "ab".repeat(32),
            "--hardwareids",
            "hw")
        .ok();
    assertTrue(readJson(file).get("targets").has("ecu-1"));
    Cli.Result signed =
        run(NOW, home, "delegations", "sign", "-k", "supplier", "-i", file.toString()).ok();
    JsonNode env = Cli.parse(signed.out());
    assertEquals(id, env.get("signatures").get(0).get("keyid").asText());
    // verify it as a delegated role of a targets role
    Path tmp = home.resolve("signed.json");
    Files.writeString(tmp, signed.out());
    assertTrue(
        run(
                NOW,
                home,
                "verify-json",
                "-p",
                uk.resolve("supplier.pub").toString(),
                "-i",
                tmp.toString())
            .ok()
            .out()
            .startsWith("Valid signatures: List("));
    Cli.Result again =
        run(
                NOW,
                home,
                "delegations",
                "add-target",
                "-i",
                tmp.toString(),
                "--name",
                "x",
                "--version",
                "1",
                "--length",
                "3",
                "--sha256",
                "ab".repeat(32),
                "--hardwareids",
                "hw")
            .fails(3);
    assertTrue(again.err().contains("already signed"));

    // targets delegations add in a repository
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    run(
            NOW,
            home,
            "targets",
            "delegations",
            "add",
            "-r",
            "myrepo",
            "-n",
            "supplier-a",
            "-p",
            "ecu-*",
            "-k",
            uk.resolve("supplier.pub").toString())
        .ok();
    JsonNode d = readJson(home.resolve("myrepo/roles/unsigned/targets.json")).get("delegations");
    assertEquals("supplier-a", d.get("roles").get(0).get("name").asText());
    assertTrue(d.get("roles").get(0).get("terminating").asBoolean());
    assertTrue(d.get("keys").has(id));
    Cli.Result badName =
        run(
                NOW,
                home,
                "targets",
                "delegations",
                "add",
                "-r",
                "myrepo",
                "-n",
                ".bad",
                "-p",
                "x",
                "-k",
                uk.resolve("supplier.pub").toString())
            .fails(3);
    assertTrue(badName.err().contains("invalid delegated role name"), badName.err());
  }

  @Test
  void keyGenerateWritesGarageSignKeyFilesAndNeverOverwrites() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Cli.Result r = run(NOW, home, "key", "generate", "-r", "myrepo", "-n", "rk", "-t", "rsa").ok();
    assertEquals(KeySpecOptions.savedKeys(home.resolve("myrepo/keys"), "rk") + "\n", r.err());
    JsonNode pub = readJson(home.resolve("myrepo/keys/rk.pub"));
    assertEquals("RSA", pub.get("keytype").asText());
    TufKey k = TufKey.fromJson(MetadataJson.read(home.resolve("myrepo/keys/rk.pub")), "rk");
    assertEquals(2048, k.bits());
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result again = run(NOW, home, "key", "generate", "-r", "myrepo", "-n", "rk").fails(3);
    assertTrue(again.err().contains("already exists"));
    assertEquals(before, Cli.snapshot(home));
  }
}
