package io.garagehsm.server.testserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;

/**
 * Sets up a local repository for a {@link TestReposerver} as {@code init -r <name> -c
 * credentials.zip} would (config.json, credentials.zip, keys/targets.*, roles/root.json). Kept
 * small so it can be replaced by the real {@code init} once the offline branch is merged.
 */
public final class TestRepos {
  private TestRepos() {}

  public static Repository create(Path home, String name, TestReposerver server) {
    return create(home, name, server, null, false);
  }

  /** With an {@code auth} object (OAuth2 or mTLS shape) and/or as a Director repository. */
  public static Repository create(
      Path home, String name, TestReposerver server, JsonNode auth, boolean director) {
    Repository repo = Repository.at(home, name);
    repo.ensureRoleDirs();
    ObjectNode cfg = MetadataJson.object();
    cfg.put("reposerver", server.url() + "/");
    if (auth == null) {
      cfg.putNull("auth");
    } else {
      cfg.set("auth", auth);
    }
    ObjectNode treehub = cfg.putObject("treehub");
    treehub.putNull("oauth2");
    treehub.put("no_auth", auth == null);
    treehub.putObject("ostree").put("server", server.url() + "/treehub");
    cfg.put("repoServerType", director ? "Director" : "RepoServer");
    repo.writeConfig(new RepoConfig(cfg));
    server.writeCredentialsZip(repo.credentialsZip());
    repo.keys().writeKeyPair("targets", server.targetsKey);
    if (!director) {
      repo.writeSignedRole("root", server.root());
    }
    return repo;
  }
}
