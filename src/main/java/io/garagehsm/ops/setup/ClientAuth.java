package io.garagehsm.ops.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.repo.RepoException;
import io.garagehsm.repo.ServerUrl;
import io.garagehsm.repo.TokenReference;
import java.util.List;

/**
 * How a repository authenticates to its server, as config.json's {@code auth} records it: OAuth2
 * client credentials, mutual TLS with PKCS#12 files in the repository, or nothing.
 */
final class ClientAuth {
  static final String CLIENT_P12 = "client_auth.p12";
  static final String SERVER_P12 = "server.p12";
  static final String TARGETS_PKCS11 = "targets" + TokenReference.SUFFIX;

  private ClientAuth() {}

  /** The mutual-TLS {@code auth} shape of config.json. */
  static ObjectNode mtls(boolean withServerCert) {
    ObjectNode a = MetadataJson.object();
    a.put("certPath", CLIENT_P12);
    if (withServerCert) {
      a.put("serverCertPath", SERVER_P12);
    } else {
      a.putNull("serverCertPath");
    }
    return a;
  }

  /** The OAuth2 object of treehub.json, normalised (scope defaults to "none"), or null. */
  static ObjectNode oauth(JsonNode n, String what) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new RepoException(what + ": oauth2 is not an object", null);
    }
    ObjectNode o = MetadataJson.object();
    for (String f : List.of("server", "client_id", "client_secret")) {
      JsonNode v = n.get(f);
      if (v == null || !v.isTextual()) {
        throw new RepoException(what + ": oauth2 needs a string \"" + f + "\"", null);
      }
      o.put(f, v.textValue());
    }
    ServerUrl.check(o.get("server").textValue(), what + ": oauth2.server");
    JsonNode scope = n.get("scope");
    o.put("scope", scope != null && scope.isTextual() ? scope.textValue() : "none");
    return o;
  }

  /** {@code oauth2}, {@code mutual TLS} or {@code none}, for results. */
  static String kind(JsonNode auth) {
    if (auth == null || auth.isNull()) {
      return "none";
    }
    return auth.has("certPath") ? "mutual TLS" : "oauth2";
  }
}
