package io.garagehsm.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code config.json} (compat spec §3.2), kept as its raw JSON so fields this tool does not know
 * survive a rewrite. Typed accessors for what commands need.
 */
public record RepoConfig(ObjectNode json) {

  /** {@code reposerver}, exactly as written (a trailing slash included). */
  public String reposerver() {
    return json.path("reposerver").asText(null);
  }

  /** True for {@code "repoServerType": "Director"}; missing means RepoServer. */
  public boolean isDirector() {
    return "Director".equals(json.path("repoServerType").asText("RepoServer"));
  }

  /** {@code auth}: null (no auth), the OAuth2 object, or the mutual-TLS object. */
  public JsonNode auth() {
    return json.get("auth");
  }

  /** {@code treehub}. */
  public JsonNode treehub() {
    return json.get("treehub");
  }
}
