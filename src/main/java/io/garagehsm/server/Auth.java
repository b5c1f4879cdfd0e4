package io.garagehsm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Authentication from config.json's {@code auth} (compat spec §4.3): none, OAuth2 client
 * credentials (one token per run, both token URL styles), or mutual TLS from PKCS#12 files with an
 * empty password.
 */
abstract class Auth {

  /** The Authorization header value for a request to {@code uri}, or null. */
  abstract String authorization(URI uri, Http http);

  /** The TLS context for the configured server, or null for the JDK default. */
  SSLContext sslContext() {
    return null;
  }

  /**
   * The TLS context for any other origin (redirect targets, object stores): the same trust, but
   * never the client identity. Null for the JDK default.
   */
  SSLContext foreignSslContext() {
    return null;
  }

  static Auth from(JsonNode auth, Path repoDir) {
    if (auth == null || auth.isNull() || (auth.isObject() && auth.isEmpty())) {
      return new None();
    }
    if (auth.has("client_id") || auth.has("server")) {
      return new OAuth2(
          text(auth, "server"),
          text(auth, "client_id"),
          text(auth, "client_secret"),
          auth.hasNonNull("scope") ? auth.get("scope").asText() : "none");
    }
    if (auth.has("certPath")) {
      Path cert = repoDir.resolve(text(auth, "certPath"));
      Path trust =
          auth.hasNonNull("serverCertPath")
              ? repoDir.resolve(auth.get("serverCertPath").asText())
              : null;
      return new MutualTls(cert, trust);
    }
    throw new ServerException(
        "config.json: unknown \"auth\" shape (neither OAuth2 nor mutual TLS)",
        0,
        null,
        List.of(),
        "re-run init with the account's credentials.zip",
        null);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new ServerException(
          "config.json: auth." + field + " is missing",
          0,
          null,
          List.of(),
          "re-run init with the account's credentials.zip",
          null);
    }
    return v.textValue();
  }

  static final class None extends Auth {
    @Override
    String authorization(URI uri, Http http) {
      return null;
    }
  }

  /** Client-credentials grant; the token is fetched once, on first use. */
  static final class OAuth2 extends Auth {
    private final String server;
    private final String clientId;
    private final String clientSecret;
    private final String scope;
    private String token;

    OAuth2(String server, String clientId, String clientSecret, String scope) {
      this.server = server;
      this.clientId = clientId;
      this.clientSecret = clientSecret;
      this.scope = scope;
    }

    /** Cognito style: the URL ends in /token and the scope is sent; legacy: <server>/token. */
    URI tokenUri() {
      URI s = ServerConfig.parseBase(server, "config.json auth.server");
      String path = s.getPath() == null ? "" : s.getPath();
      return path.endsWith("/token") ? s : ServerConfig.join(s, "token");
    }

    String formBody() {
      String body = "grant_type=client_credentials";
      if (tokenUri().toString().equals(server.trim())) {
        body += "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
      }
      return body;
    }

    @Override
    synchronized String authorization(URI uri, Http http) {
      // Http asks only for the configured server's origin; object store URLs (pre-signed S3,
      // Azure SAS) are other origins and carry their own authorisation
      if (token == null) {
        token = fetchToken(http);
      }
      return "Bearer " + token;
    }

    private String fetchToken(Http http) {
      String basic =
          Base64.getEncoder()
              .encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
      Http.Response r =
          http.send(
              Http.Request.post(tokenUri(), formBody().getBytes(StandardCharsets.UTF_8))
                  .contentType("application/x-www-form-urlencoded")
                  .header("Authorization", "Basic " + basic)
                  .noAuth()
                  .idempotent()
                  .describe("OAuth2 token request"));
      try {
        JsonNode n = MetadataJson.parse(r.body(), "token response");
        JsonNode t = n.get("access_token");
        if (t == null || !t.isTextual() || t.textValue().isEmpty()) {
          throw new MetadataException("no access_token");
        }
        return t.textValue();
      } catch (MetadataException e) {
        throw new ServerException(
            "the OAuth2 token endpoint " + tokenUri() + " answered without an access_token",
            r.status(),
            null,
            List.of(),
            "check auth.server in config.json",
            e);
      }
    }
  }

  /** Client certificate from client_auth.p12 and optional trust store server.p12. */
  static final class MutualTls extends Auth {
    private final Path keyStore;
    private final Path trustStore;
    private SSLContext ctx;
    private SSLContext foreign;

    MutualTls(Path keyStore, Path trustStore) {
      this.keyStore = keyStore;
      this.trustStore = trustStore;
    }

    @Override
    String authorization(URI uri, Http http) {
      return null;
    }

    @Override
    synchronized SSLContext sslContext() {
      if (ctx == null) {
        ctx = context(true);
      }
      return ctx;
    }

    @Override
    synchronized SSLContext foreignSslContext() {
      if (foreign == null) {
        foreign = context(false);
      }
      return foreign;
    }

    private SSLContext context(boolean withIdentity) {
      try {
        KeyManagerFactory kmf = null;
        if (withIdentity) {
          kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
          kmf.init(load(keyStore), new char[0]);
        }
        TrustManagerFactory tmf = null;
        if (trustStore != null) {
          tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
          tmf.init(load(trustStore));
        }
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(
            kmf == null ? null : kmf.getKeyManagers(),
            tmf == null ? null : tmf.getTrustManagers(),
            null);
        return c;
      } catch (GeneralSecurityException e) {
        throw new ServerException(
            "cannot set up mutual TLS from " + keyStore + ": " + e.getMessage(),
            0,
            null,
            List.of(),
            "the PKCS#12 files must have an empty password; re-run init with the account's"
                + " credentials.zip",
            e);
      }
    }

    private static KeyStore load(Path p) throws GeneralSecurityException {
      try (InputStream in = Files.newInputStream(p)) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(in, new char[0]);
        return ks;
      } catch (IOException e) {
        throw new GeneralSecurityException("cannot read " + p + ": " + e.getMessage(), e);
      }
    }
  }
}
