package io.garagehsm.cli;

import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ClientSettings;
import io.garagehsm.server.ServerConfig;
import io.garagehsm.server.TufServerClient;
import java.net.URI;

/** What the network commands share: the client for a repository, messages, expiry warnings. */
final class ServerAccess {
  private ServerAccess() {}

  /** A client for the repository's server, configured from config.json and the environment. */
  static TufServerClient client(CliContext ctx, Repository repo) {
    RepoConfig c = repo.config();
    URI base = ServerConfig.parseBase(c.reposerver(), repo.configFile() + " reposerver");
    ClientSettings settings;
    try {
      settings = ClientSettings.fromEnv(ctx.env());
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.OTHER, e.getMessage(), "unset it or fix its value");
    }
    ctx.verbose(
        "server "
            + base
            + " ("
            + (c.auth() == null || c.auth().isNull()
                ? "no auth"
                : c.auth().has("certPath") ? "mutual TLS" : "OAuth2")
            + ")");
    return TufServerClient.create(
        new ServerConfig(base, c.isDirector(), c.auth(), repo.dir()), settings, ctx::warn);
  }

  /**
   * A client that fails fast ({@link ClientSettings#failFast()}), for checks that must not wait a
   * minute of retries for a dead server: {@code status}, {@code doctor}.
   */
  static TufServerClient quickClient(CliContext ctx, Repository repo) {
    RepoConfig c = repo.config();
    ClientSettings settings;
    try {
      settings = ClientSettings.fromEnv(ctx.env()).failFast();
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.OTHER, e.getMessage(), "unset it or fix its value");
    }
    return TufServerClient.create(
        new ServerConfig(
            ServerConfig.parseBase(c.reposerver(), repo.configFile() + " reposerver"),
            c.isDirector(),
            c.auth(),
            repo.dir()),
        settings,
        ctx::warn);
  }
}
