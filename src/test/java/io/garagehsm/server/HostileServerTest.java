package io.garagehsm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.server.testserver.HostileServer;
import io.garagehsm.server.testserver.HostileServer.Req;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer against a malicious server ({@link HostileServer}, raw HTTP on 127.0.0.1): strict
 * success codes per call, credentials only to the configured origin, refused non-http(s) redirects,
 * bounded bodies in size and time, visible and bounded retries (issue 14, items 1–4).
 */
class HostileServerTest {
  private static final String KEY_ID =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String TOKEN = "secret-bearer-token";

  @TempDir Path tmp;
  private final List<String> notices = Collections.synchronizedList(new ArrayList<>());

  private TufServerClient client(HostileServer s, JsonNode auth, String... env) {
    Map<String, String> e = new HashMap<>();
    e.put(ClientSettings.ENV_RETRY_WAIT, "10ms");
    e.put(ClientSettings.ENV_RETRIES, "2");
    e.put(ClientSettings.ENV_REQUEST_TIMEOUT, "10s");
    for (int i = 0; i < env.length; i += 2) {
      e.put(env[i], env[i + 1]);
    }
    ServerConfig c = new ServerConfig(URI.create(s.url() + "/"), false, auth, tmp);
    return TufServerClient.create(c, ClientSettings.fromEnv(e), notices::add);
  }

  /** OAuth2 auth whose token endpoint is the hostile server itself. */
  private static JsonNode oauth(HostileServer s) {
    s.always(
        r -> r.path().equals("/token"),
        HostileServer.status(
            200,
            Map.of("Content-Type", "application/json"),
            ("{\"access_token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8)));
    ObjectNode a = MetadataJson.object();
    a.put("server", s.url());
    a.put("client_id", "id");
    a.put("client_secret", "secret");
    return a;
  }

  private static SignedMetadata root() {
    String f = "move-offline/tuf/offline/roles/root.json";
    return SignedMetadata.fromJson(MetadataJson.read(Vectors.path(f)), f);
  }

  private static SignedMetadata targets() {
    String f = "repo-flow/tuf/myrepo/roles/targets.json";
    return SignedMetadata.fromJson(MetadataJson.read(Vectors.path(f)), f);
  }

  private static void assertOneLine(String message) {
    assertFalse(message.contains("\n") || message.contains("\r"), message);
  }

  // ---- item 1: only the documented success codes ----

  @Test
  void writesSucceedOnlyOnTheirSuccessCodes() throws Exception {
    Map<String, Consumer<TufServerClient>> calls = new java.util.LinkedHashMap<>();
    calls.put("POST root", c -> c.pushRoot(root()));
    calls.put("PUT targets", c -> c.pushTargets(targets(), null));
    calls.put("DELETE root/private_keys/" + KEY_ID, c -> c.deletePrivateKey(KEY_ID));
    calls.put("PUT delegations/team.json", c -> c.pushDelegation("team", MetadataJson.object()));
    calls.put("GET root.json", TufServerClient::root);
    for (var call : calls.entrySet()) {
      for (int status : new int[] {102, 103, 301, 302, 303, 307, 308, 202, 203, 205, 206, 207}) {
        try (HostileServer s = HostileServer.start()) {
          s.always(r -> true, HostileServer.redirect(status, "http://127.0.0.1:1/elsewhere"));
          ServerException e =
              assertThrows(
                  ServerException.class,
                  () -> call.getValue().accept(client(s, null)),
                  call.getKey() + " answered " + status);
          assertTrue(e.getMessage().startsWith(call.getKey()), e.getMessage());
          assertOneLine(e.getMessage());
          if (status >= 200) {
            // after a 1xx the JDK client waits for a final answer and sees the connection close
            assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
            assertEquals(1, s.requests().size(), "no retry of a wrong answer: " + s.lines());
          }
        }
      }
    }
    // the codes that do mean success still do
    try (HostileServer s = HostileServer.start()) {
      s.always(r -> r.is("POST", "/root"), HostileServer.status(200));
      s.always(r -> r.is("PUT", "/targets"), HostileServer.status(204));
      s.always(r -> r.is("DELETE", KEY_ID), HostileServer.status(200));
      s.always(r -> r.is("PUT", "/team.json"), HostileServer.status(204));
      TufServerClient c = client(s, null);
      c.pushRoot(root());
      assertNull(c.pushTargets(targets(), null));
      assertTrue(c.deletePrivateKey(KEY_ID));
      c.pushDelegation("team", MetadataJson.object());
    }
  }

  @Test
  void uploadPutMustBeARedirect() throws Exception {
    Path file = Files.write(tmp.resolve("app.bin"), new byte[] {1, 2, 3});
    for (int status : new int[] {200, 201, 204, 202}) {
      try (HostileServer s = HostileServer.start()) {
        s.always(r -> r.is("POST", "/multipart/initiate/app-1"), HostileServer.status(501));
        s.always(r -> r.is("PUT", "/uploads/app-1"), HostileServer.status(status));
        ServerException e =
            assertThrows(
                ServerException.class,
                () -> client(s, null).upload("app-1", file, Duration.ofSeconds(10)));
        assertTrue(
            e.getMessage().startsWith("PUT uploads/app-1 got HTTP " + status), e.getMessage());
      }
    }
  }

  // ---- item 2: credentials only to the configured origin; no non-http(s) redirects ----

  @Test
  void uploadRedirectedToAnotherOriginGetsNoBearerToken() throws Exception {
    Path file = Files.write(tmp.resolve("app.bin"), new byte[] {1, 2, 3});
    try (HostileServer repo = HostileServer.start();
        HostileServer storage = HostileServer.start()) {
      storage.always(r -> true, HostileServer.status(201));
      JsonNode auth = oauth(repo);
      repo.always(r -> r.is("POST", "/multipart/initiate/app-1"), HostileServer.status(501));
      for (String host : List.of("localhost", "127.0.0.1")) {
        repo.on(
            r -> r.is("PUT", "/uploads/app-1"),
            1,
            HostileServer.redirect(302, "http://" + host + ":" + storage.port() + "/blob?sig=x"));
        client(repo, auth).upload("app-1", file, Duration.ofSeconds(10));
      }
      Req put =
          repo.requests().stream().filter(r -> r.is("PUT", "/uploads/app-1")).findFirst().get();
      assertEquals("Bearer " + TOKEN, put.header("authorization"), "the reposerver gets it");
      assertEquals(2, storage.requests().size(), storage.lines().toString());
      for (Req r : storage.requests()) {
        assertNull(r.header("authorization"), "bearer token sent to " + r.header("host"));
        assertEquals(3, r.body().length);
      }
    }
  }

  @Test
  void multipartPartUrlOnAnotherOriginGetsNoBearerToken() throws Exception {
    Path file = Files.write(tmp.resolve("app.bin"), new byte[] {1, 2, 3});
    try (HostileServer repo = HostileServer.start();
        HostileServer storage = HostileServer.start()) {
      storage.always(r -> true, HostileServer.status(200, Map.of("ETag", "\"e1\""), new byte[0]));
      JsonNode auth = oauth(repo);
      repo.always(
          r -> r.is("POST", "/multipart/initiate/app-1"),
          HostileServer.status(
              200, Map.of(), "{\"uploadId\":\"u1\",\"partSize\":1024}".getBytes()));
      repo.always(
          r -> r.path().endsWith("/multipart/url/app-1"),
          HostileServer.status(
              200,
              Map.of(),
              ("{\"uri\":\"http://localhost:" + storage.port() + "/part1\"}").getBytes()));
      repo.always(r -> r.is("PUT", "/multipart/complete/app-1"), HostileServer.status(200));
      assertEquals(
          TufServerClient.UploadMethod.MULTIPART,
          client(repo, auth).upload("app-1", file, Duration.ofSeconds(10)));
      assertEquals(1, storage.requests().size());
      assertNull(storage.requests().get(0).header("authorization"));
      assertTrue(
          repo.requests().stream()
              .filter(r -> r.path().contains("/multipart/"))
              .allMatch(r -> ("Bearer " + TOKEN).equals(r.header("authorization"))));
    }
  }

  @Test
  void redirectsToOtherSchemesAreRefused() throws Exception {
    try (HostileServer s = HostileServer.start()) {
      s.always(r -> r.is("GET", "/root.json"), HostileServer.redirect(302, "file:///etc/passwd"));
      ServerException e = assertThrows(ServerException.class, () -> client(s, null).root());
      assertTrue(e.getMessage().contains("file:///etc/passwd"), e.getMessage());
      assertTrue(e.getMessage().contains("not an http(s) URL: refused"), e.getMessage());
      assertFalse(e.getMessage().contains("empty"), e.getMessage());
    }
    Path file = Files.write(tmp.resolve("app.bin"), new byte[] {1, 2, 3});
    for (String loc : List.of("file:///tmp/x", "ftp://127.0.0.1/x", "jar:file:/x!/y")) {
      try (HostileServer s = HostileServer.start()) {
        s.always(r -> r.is("POST", "/multipart/initiate/app-1"), HostileServer.status(501));
        s.always(r -> r.is("PUT", "/uploads/app-1"), HostileServer.redirect(302, loc));
        ServerException e =
            assertThrows(
                ServerException.class,
                () -> client(s, null).upload("app-1", file, Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("not an http(s) URL: refused"), e.getMessage());
        assertEquals(2, s.requests().size(), s.lines().toString());
      }
    }
  }

  @Test
  void serverTextInErrorsHasItsControlCharactersEscaped() throws Exception {
    try (HostileServer s = HostileServer.start()) {
      String body =
          "{\"code\":\"bad\\u001b[2J\",\"description\":\"line1\\r\\nerror: forged\\u0007\","
              + "\"cause\":[\"x\\u202ey\"]}";
      s.always(r -> true, HostileServer.status(400, Map.of(), body.getBytes()));
      ServerException e = assertThrows(ServerException.class, () -> client(s, null).root());
      assertOneLine(e.getMessage());
      assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20 || c == 0x202e), e.getMessage());
      assertTrue(e.getMessage().contains("bad\\u001b[2J"), e.getMessage());
      assertTrue(e.getMessage().contains("line1\\u000d\\u000aerror: forged\\u0007"));
    }
  }
}
