package io.garagehsm.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where and how to reach the server: the base URL from {@code config.json}, whether it is a
 * Director, the raw {@code auth} object (null, OAuth2 or mutual TLS, compat spec §3.2) and the
 * repository folder that relative certificate paths are resolved against.
 *
 * @param base the reposerver (or API gateway) base URL, trailing slash or not
 * @param director true for {@code repoServerType: Director}
 * @param auth the {@code auth} object of config.json, or null
 * @param repoDir the repository folder
 */
public record ServerConfig(URI base, boolean director, JsonNode auth, Path repoDir) {

  /** Parses the base URL; the error names the config value. */
  public static URI parseBase(String url, String what) {
    if (url == null || url.isBlank()) {
      throw new ServerException(
          what + " has no server URL", 0, null, java.util.List.of(), "re-run init", null);
    }
    try {
      URI u = new URI(url.trim());
      if (u.getScheme() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getHost() == null) {
        throw new URISyntaxException(url, "not an http(s) URL with a host");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ServerException(
          what + ": '" + url + "' is not an http(s) URL",
          0,
          null,
          java.util.List.of(),
          "fix the reposerver value in config.json",
          e);
    }
  }

  /** API root: {@code /api/v1/user_repo/} or {@code /api/v1/director/admin/repo/}. */
  public String apiPrefix() {
    return director ? "api/v1/director/admin/repo/" : "api/v1/user_repo/";
  }

  /**
   * Joins the base path, the API prefix and {@code rel} with path semantics: a trailing slash on
   * the base does not double (compat spec §9.1). {@code rel} may carry a query.
   */
  public URI resolve(String rel) {
    return join(base, apiPrefix() + rel);
  }

  /** Joins a base URL and a relative path without doubling or dropping slashes. */
  public static URI join(URI base, String rel) {
    String b = base.toString();
    int q = b.indexOf('?');
    if (q >= 0) {
      b = b.substring(0, q);
    }
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    String r = rel;
    while (r.startsWith("/")) {
      r = r.substring(1);
    }
    return URI.create(b + "/" + r);
  }
}
