package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.pkcs11.FakeModules;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.repo.CredentialsZip;
import io.garagehsm.server.testserver.TestReposerver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A credentials.zip is untrusted input (issue 14 item 6): a token key reference in it keeps its
 * token and object but never names the library garage-hsm loads, and bad server URLs fail at init.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UntrustedCredentialsTest {
  @TempDir static Path tmp;

  TestToken token;
  TestReposerver server;
  Path exported;

  @BeforeAll
  void exportATokenKey() {
    token = TestTokens.create("zip-trust");
    server = TestReposerver.start();
    CliRun cli = new CliRun(tmp.resolve("origin"));
    Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
    ok(cli, "init", "-r", "origin", "-c", zip.toString());
    ok(
        cli,
        "key",
        "generate",
        "-r",
        "origin",
        "-n",
        "tk",
        "--token",
        token.uri().toString(),
        "--pin-file",
        token.pinFile().toString());
    exported = tmp.resolve("export.zip");
    ok(cli, "export-credentials", "-r", "origin", "-k", "tk", "-o", exported.toString());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aModulePathInTheZipIsNeverLoaded() throws IOException {
    Path marker = tmp.resolve("evil-loaded");
    Path evil = FakeModules.withFunctionList(tmp.resolve("evil"), marker);
    Map<String, byte[]> entries = entries(exported);
    ObjectNode ref = (ObjectNode) MetadataJson.parse(entries.get("targets.pkcs11"), "ref");
    Pkcs11Uri uri = Pkcs11Uri.parse(ref.get("uri").textValue());
    assertTrue(uri.modulePath().isPresent(), "the exporter recorded its module: " + uri);
    String hostile =
        uri.withQuery("module-path", evil.toString())
            .withQuery("pin-source", "/dev/zero")
            .toString();
    ref.put("uri", hostile);
    entries.put("targets.pkcs11", MetadataJson.pretty(ref));
    Path zip = tmp.resolve("hostile.zip");
    Files.write(zip, CredentialsZip.build(entries));

    CliRun cli = new CliRun(tmp.resolve("victim"));
    CliRun.Result init = ok(cli, "init", "-r", "victim", "-c", zip.toString());
    assertTrue(init.err().contains("module-path"), init::toString);
    JsonNode saved = Cli.readJson(tmp.resolve("victim/victim/keys/targets.pkcs11"));
    Pkcs11Uri restored = Pkcs11Uri.parse(saved.get("uri").textValue());
    assertTrue(restored.modulePath().isEmpty(), restored::toString);
    assertTrue(restored.pinSource().isEmpty(), restored::toString);
    assertEquals(uri.token(), restored.token());
    assertEquals(uri.object(), restored.object());
    assertEquals(ref.get("keyid"), saved.get("keyid"));

    // the module comes from the local machine only: here --module (the zip's path would win today)
    ok(cli, "targets", "pull", "-r", "victim");
    ok(
        cli,
        "targets",
        "sign",
        "-r",
        "victim",
        "--key-name",
        "targets",
        "--module",
        TestTokens.MODULE.toString(),
        "--pin-file",
        token.pinFile().toString());
    assertFalse(Files.exists(marker), "the library named by the zip was loaded");
  }

  @Test
  void badServerUrlsFailAtInitAndWriteNothing() throws IOException {
    Map<String, byte[]> good = entries(server.writeCredentialsZip(tmp.resolve("good.zip")));
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("tufrepo.url", "file:///etc/passwd");
    cases.put("tufrepo.url ", "http://127.0.0.1:1/\u001b[2Jrepo");
    cases.put("tufrepo.url  ", "not a url");
    cases.put("treehub.json", "{\"no_auth\":true,\"ostree\":{\"server\":\"gopher://x/\"}}");
    cases.put(
        "treehub.json ",
        "{\"oauth2\":{\"server\":\"http://a/\\u0007\",\"client_id\":\"i\",\"client_secret\":\"s\"}}");
    int n = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Map<String, byte[]> entries = new LinkedHashMap<>(good);
      entries.put(c.getKey().strip(), c.getValue().getBytes(StandardCharsets.UTF_8));
      Path zip = tmp.resolve("bad-url-" + n + ".zip");
      Files.write(zip, CredentialsZip.build(entries));
      Path home = tmp.resolve("bad-url-home-" + n++);
      CliRun.Result r = new CliRun(home).run("init", "-r", "r", "-c", zip.toString());
      assertEquals(3, r.exit(), () -> c + "\n" + r);
      assertTrue(r.err().startsWith("error: "), r::toString);
      assertTrue(r.err().contains(c.getKey().strip()), r::toString);
      assertFalse(r.err().contains("\u001b") || r.err().contains("\u0007"), r::toString);
      assertFalse(Files.exists(home.resolve("r")), "nothing written for " + c);
    }
    // --reposerver is checked the same way
    CliRun.Result r =
        new CliRun(tmp.resolve("flag"))
            .run(
                "init",
                "-r",
                "r",
                "-c",
                tmp.resolve("good.zip").toString(),
                "--reposerver",
                "ftp://example.com/");
    assertEquals(3, r.exit(), r::toString);
    assertTrue(r.err().contains("--reposerver"), r::toString);
    assertFalse(Files.exists(tmp.resolve("flag/r")));
  }

  private static Map<String, byte[]> entries(Path zip) {
    CredentialsZip z = CredentialsZip.read(zip);
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (String name : z.names()) {
      m.put(name, z.entry(name).get());
    }
    return m;
  }

  private static CliRun.Result ok(CliRun cli, String... args) {
    CliRun.Result r = cli.run(args);
    assertEquals(0, r.exit(), r::toString);
    return r;
  }
}
