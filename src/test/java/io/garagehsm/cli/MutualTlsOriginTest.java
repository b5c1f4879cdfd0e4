package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.ClientAuth;
import io.garagehsm.server.testserver.TestReposerver.Fault;
import io.garagehsm.server.testserver.TestReposerver.Recorded;
import io.garagehsm.server.testserver.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutual-TLS client identity from credentials.zip goes only to the reposerver's origin (issue
 * 14, item 2). The reposerver requires the client certificate; a second HTTPS server on 127.0.0.1
 * (another port, the same server certificate, trusting the same client certificate) only
 * <em>asks</em> for one and records whether it was presented — so a client that offered its
 * identity to every origin would be caught there. Uploads redirected there (single PUT and
 * multipart part URLs) arrive without a certificate and without an Authorization header; a GET
 * redirected there is refused and never followed.
 */
class MutualTlsOriginTest {
  @TempDir Path home;

  private TestTls tls;

  @BeforeEach
  void material() {
    tls = TestTls.create(home.resolve("tls"));
  }

  /** {@code init -r tls -c credentials.zip} with client_auth.p12 and server.p12 in the zip. */
  private void init(TestReposerver server) {
    Path zip =
        server.writeCredentialsZip(
            home.resolve("credentials.zip"),
            Map.of("client_auth.p12", tls.clientAuthP12(), "server.p12", tls.serverP12()));
    CliRun.Result res = new CliRun(home).run("init", "-r", "tls", "-c", zip.toString());
    assertEquals(0, res.exit(), res.toString());
    JsonNode auth = MetadataJson.parse(readConfig(), "config.json").get("auth");
    assertEquals("client_auth.p12", auth.get("certPath").asText(), auth.toString());
    assertEquals("server.p12", auth.get("serverCertPath").asText(), auth.toString());
  }

  private byte[] readConfig() {
    try {
      return Files.readAllBytes(home.resolve("tls/config.json"));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private Path binary(int size) throws Exception {
    byte[] data = new byte[size];
    new Random(7).nextBytes(data);
    return Files.write(home.resolve("fw.bin"), data);
  }

  private static CliRun.Result upload(CliRun cli, Path f, String version) {
    return cli.run(
        "targets", "upload", "-r", "tls", "-i", f.toString(), "--name", "fw", "--version", version);
  }

  /** Positive control: every request the reposerver got came with the client certificate. */
  private static void assertAllWithCertificate(TestReposerver server) {
    assertFalse(server.requests().isEmpty());
    for (Recorded r : server.requests()) {
      assertEquals(TestTls.clientSubject(), r.clientCertificate(), r.line());
    }
  }

  private static void assertNoCredentials(List<Recorded> requests) {
    for (Recorded r : requests) {
      assertNull(r.clientCertificate(), "client certificate sent to another origin: " + r.line());
      assertNull(r.header("authorization"), "Authorization sent to another origin: " + r.line());
    }
  }

  @Test
  void uploadRedirectedToAnotherHttpsOriginCarriesNoClientCertificate() throws Exception {
    try (TestReposerver store = TestReposerver.startTls(tls.serverContext(), ClientAuth.WANT);
        TestReposerver server =
            TestReposerver.startTls(tls.serverContext(), ClientAuth.NEED).objectStoreAt(store)) {
      init(server);
      Path f = binary(3000);
      CliRun.Result res = upload(new CliRun(home), f, "1.0");
      assertEquals(0, res.exit(), res.toString());

      assertEquals(
          List.of("POST multipart/initiate/fw-1.0", "PUT uploads/fw-1.0"), server.lines(0));
      assertAllWithCertificate(server);
      assertEquals(List.of("PUT /storage/fw-1.0"), store.lines(0));
      assertNoCredentials(store.requests());
      assertArrayEquals(Files.readAllBytes(f), store.stored("fw-1.0"));
    }
  }

  @Test
  void multipartPartUrlsOnAnotherHttpsOriginGetNoClientCertificate() throws Exception {
    try (TestReposerver store = TestReposerver.startTls(tls.serverContext(), ClientAuth.WANT);
        TestReposerver server =
            TestReposerver.startTls(tls.serverContext(), ClientAuth.NEED)
                .enableMultipart()
                .objectStoreAt(store)) {
      init(server);
      Path f = binary(2500); // three parts
      CliRun.Result res = upload(new CliRun(home), f, "2.0");
      assertEquals(0, res.exit(), res.toString());

      assertEquals(
          3, server.lines(0).stream().filter(l -> l.startsWith("GET multipart/url/")).count());
      assertAllWithCertificate(server);
      assertEquals(3, store.requests().size(), store.lines(0).toString());
      assertTrue(store.lines(0).stream().allMatch(l -> l.startsWith("PUT /parts/")));
      assertNoCredentials(store.requests());
      assertArrayEquals(Files.readAllBytes(f), store.stored("fw-2.0"));
    }
  }

  @Test
  void getRedirectedToAnotherHttpsOriginIsRefusedAndNotFollowed() throws Exception {
    try (TestReposerver other = TestReposerver.startTls(tls.serverContext(), ClientAuth.WANT);
        TestReposerver server = TestReposerver.startTls(tls.serverContext(), ClientAuth.NEED)) {
      init(server);
      String to = other.url() + TestReposerver.USER_REPO + "root.json";
      server.inject(TestReposerver.on("GET", "root.json"), Fault.redirect(302, to), 1);
      CliRun.Result res = new CliRun(home).run("root", "pull", "-r", "tls");

      assertEquals(ExitCodes.OTHER, res.exit(), res.toString());
      List<String> errors = res.err().lines().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), res.toString());
      assertTrue(errors.get(0).startsWith("error: GET root.json got HTTP 302"), res.err());
      assertTrue(errors.get(0).contains("(a redirect to " + to + ")"), res.err());
      assertAllWithCertificate(server);
      assertEquals(List.of(), other.lines(0), "the redirect was followed");
      assertNoCredentials(other.requests());
    }
  }
}
