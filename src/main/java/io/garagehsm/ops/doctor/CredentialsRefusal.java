package io.garagehsm.ops.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;

/**
 * The {@code server} check when the server answers 401 or 403: which of the repository's
 * credentials it refused (config.json's {@code auth}: none, an OAuth2 client, a client certificate)
 * and the fix for that kind.
 */
final class CredentialsRefusal {
  private CredentialsRefusal() {}

  static boolean applies(ServerException e) {
    return e.status() == 401 || e.status() == 403;
  }

  static Check check(Repository repo, String server, ServerException e) {
    JsonNode auth = repo.config().auth();
    String config = repo.configFile().toString();
    String credentials;
    String fix;
    if (auth == null || auth.isNull() || (auth.isObject() && auth.isEmpty())) {
      credentials = "requests without credentials (no auth in " + config + ")";
      fix =
          "the server needs credentials: 'init' a repository from the account's credentials.zip"
              + " (OAuth2), or 'import-client-cert -r "
              + repo.name()
              + " -c <p12>' (mutual TLS)";
    } else if (auth.has("certPath")) {
      credentials =
          "the client certificate "
              + repo.dir().resolve(auth.path("certPath").asText())
              + " (mutual TLS, "
              + config
              + ")";
      fix =
          "import a current client certificate: 'import-client-cert -r "
              + repo.name()
              + " -c <client.p12>'";
    } else {
      credentials =
          "the OAuth2 client '"
              + auth.path("client_id").asText()
              + "' (token from "
              + auth.path("server").asText()
              + ", "
              + config
              + ")";
      fix =
          "get a current credentials.zip for the account and 'init' a repository from it, or put"
              + " its client_id and client_secret into the auth of "
              + config;
    }
    String why =
        e.status() == 403
            ? "they are valid but not allowed to use this repository"
            : "they are wrong, expired or revoked";
    return Check.fail(
        "server",
        server,
        "the server refuses " + credentials + " (" + why + "): " + e.getMessage(),
        e.status() == 403
            ? "use the credentials of the account that owns this repository: " + fix
            : fix);
  }
}
