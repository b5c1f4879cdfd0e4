package io.garagehsm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.server.testserver.TestReposerver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServerClientUnitTest {

  @Test
  void urlsArePathJoinedSoATrailingSlashDoesNoHarm() {
    for (String base : List.of("http://127.0.0.1:18191/", "http://127.0.0.1:18191", "http://h/")) {
      ServerConfig c = new ServerConfig(URI.create(base), false, null, Path.of("."));
      assertEquals("/api/v1/user_repo/targets.json", c.resolve("targets.json").getPath());
    }
    ServerConfig prefixed =
        new ServerConfig(URI.create("https://gw.example/repo/"), true, null, Path.of("."));
    assertEquals(
        "https://gw.example/repo/api/v1/director/admin/repo/root.json",
        prefixed.resolve("root.json").toString());
  }

  @Test
  void objectStoreUrlsCarryTheirOwnAuthorisationAndAzureGetsItsBlobType() {
    URI s3 = URI.create("https://bucket.s3.eu-west-1.amazonaws.com/part?X-Amz-Signature=x");
    URI azure = URI.create("https://acct.blob.core.windows.net/c/app-1.0?sv=2021&sig=x");
    URI reposerver = URI.create("https://reposerver.example/api/v1/user_repo/uploads/app-1.0");
    Http http =
        new Http(
            ClientSettings.defaults(),
            new Auth.None(),
            List.of(URI.create("https://reposerver.example/")),
            line -> {});
    assertFalse(http.trusted(s3));
    assertFalse(http.trusted(azure));
    assertTrue(http.trusted(reposerver));
    assertTrue(http.trusted(URI.create("https://REPOSERVER.example:443/x")));
    assertFalse(http.trusted(URI.create("http://reposerver.example/x")));
    assertFalse(http.trusted(URI.create("https://reposerver.example:8443/x")));
    assertEquals(
        java.util.Map.of("x-ms-blob-type", "BlockBlob"), ObjectStores.singlePutHeaders(azure));
    assertEquals(java.util.Map.of(), ObjectStores.singlePutHeaders(s3));
    assertEquals(java.util.Map.of(), ObjectStores.singlePutHeaders(reposerver));
  }

  @Test
  void errorBodiesFlattenNestedCauses() {
    String wrapped =
        "{\"code\":\"invalid_root_role\",\"description\":\"keyserver rejected\",\"cause\":"
            + "{\"code\":\"invalid_root_role\",\"description\":\"Invalid\",\"cause\":[\"a\",\"b\"],"
            + "\"errorId\":\"1\"},\"errorId\":\"2\"}";
    ErrorBody e = ErrorBody.parse(wrapped.getBytes(StandardCharsets.UTF_8));
    assertEquals("invalid_root_role", e.code());
    assertEquals(List.of("a", "b"), e.reasons());
    assertEquals("2", e.errorId());
    ErrorBody text =
        ErrorBody.parse("<html>Bad gateway</html>\nmore".getBytes(StandardCharsets.UTF_8));
    assertEquals("<html>Bad gateway</html>", text.description());
  }

  @Test
  void settingsComeFromTheEnvironment() {
    ClientSettings s =
        ClientSettings.fromEnv(
            Map.of(
                "CLI_GZIP_MIN_BYTES", "1000",
                "GARAGE_HSM_REQUEST_TIMEOUT", "250ms",
                "GARAGE_HSM_RETRIES", "0"));
    assertEquals(1000, s.gzipMinBytes());
    assertEquals(Duration.ofMillis(250), s.requestTimeout());
    assertEquals(0, s.retries());
    assertEquals(500_000, ClientSettings.defaults().gzipMinBytes());
    assertThrows(
        IllegalArgumentException.class,
        () -> ClientSettings.fromEnv(Map.of("GARAGE_HSM_RETRIES", "many")));
  }

  /** Roots made by the real uptane-sign pass the test server's strict re-encode check. */
  @Test
  void testServerRoundTripAcceptsUptaneSignRootsAndRejectsAlterations() {
    for (String f :
        List.of(
            "root-rotation/tuf/myrepo/roles/root.json",
            "move-offline/tuf/offline/roles/root.json",
            "repo-flow/tuf/myrepo/roles/root.json")) {
      ObjectNode signed = SignedMetadata.fromJson(MetadataJson.read(Vectors.path(f)), f).signed();
      assertArrayEquals(
          CanonicalJson.encode(signed),
          CanonicalJson.encode(TestReposerverAccess.reencode(signed)),
          f);
    }
    ObjectNode good =
        SignedMetadata.fromJson(
                MetadataJson.read(Vectors.path("move-offline/tuf/offline/roles/root.json")), "r")
            .signed();
    ObjectNode lower = good.deepCopy().put("_type", "root");
    ObjectNode extra = good.deepCopy().put("spec_version", "1.0");
    ObjectNode frac = good.deepCopy().put("expires", "2030-01-01T00:00:00.5Z");
    ObjectNode pem = good.deepCopy();
    pem.get("keys")
        .fields()
        .forEachRemaining(
            e -> {
              String v = e.getValue().path("keyval").path("public").asText();
              if (v.endsWith("\n")) {
                ((ObjectNode) e.getValue().get("keyval")).put("public", v.strip());
              }
            });
    for (ObjectNode bad : List.of(lower, extra, frac, pem)) {
      assertNotEquals(
          CanonicalJson.encodeToString(bad),
          CanonicalJson.encodeToString(TestReposerverAccess.reencode(bad)));
    }
    ObjectNode noCs = good.deepCopy();
    noCs.remove("consistent_snapshot");
    assertThrows(IllegalArgumentException.class, () -> TestReposerverAccess.reencode(noCs));
  }

  /** Our requests match the method, path and main headers of the real CLI's recorded runs. */
  @Test
  void requestShapesMatchTheVectors() {
    Pattern line = Pattern.compile("^    (GET|PUT|POST|DELETE) (/\\S+)  ->", Pattern.MULTILINE);
    Matcher m = line.matcher(Vectors.text("repo-flow/requests.txt"));
    m.find();
    assertEquals("GET /api/v1/user_repo/targets.json", m.group(1) + " " + m.group(2));
    m.find();
    assertEquals("PUT /api/v1/user_repo/targets", m.group(1) + " " + m.group(2));
    String vec = Vectors.text("repo-flow/requests.txt");
    assertEquals(true, vec.contains("Content-Type: application/json"));
    assertEquals(true, vec.contains("x-ats-role-checksum: "));
    m = line.matcher(Vectors.text("move-offline/requests.txt"));
    List<String> paths = new java.util.ArrayList<>();
    while (m.find()) {
      paths.add(m.group(1) + " " + m.group(2).replaceAll("[0-9a-f]{64}", "<id>"));
    }
    // the real CLI deletes before it pushes; we push first (documented difference)
    assertEquals(
        List.of(
            "GET /api/v1/user_repo/targets.json",
            "GET /api/v1/user_repo/root.json",
            "GET /api/v1/user_repo/root/private_keys/<id>",
            "DELETE /api/v1/user_repo/root/private_keys/<id>",
            "POST /api/v1/user_repo/root",
            "PUT /api/v1/user_repo/targets",
            "GET /api/v1/user_repo/root.json"),
        paths);
    try (TestReposerver s = TestReposerver.start()) {
      TufServerClient c =
          TufServerClient.create(
              new ServerConfig(URI.create(s.url() + "/"), false, null, Path.of(".")),
              ClientSettings.defaults());
      c.root();
      c.targets();
      TestReposerver.Recorded get = s.requests().get(1);
      assertEquals("/api/v1/user_repo/targets.json", get.path());
      assertEquals("gzip, deflate", get.header("accept-encoding"));
      assertEquals(null, get.header("content-type"));
    }
  }
}
