package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations push}: PUT a signed delegated targets role. */
@Command(name = "push", description = "Push a signed delegated targets role to the server.")
final class DelegationsPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = {"-n", "--name"},
      required = true,
      paramLabel = "<role>",
      description = "Delegated role name.")
  String roleName;

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "<file>",
      description = "The signed delegation file.")
  Path input;

  DelegationsPushCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  static void requireReposerver(Repository repo) {
    if (repo.config().isDirector()) {
      throw new CliException(
          ExitCodes.OTHER,
          "repository '"
              + repo.name()
              + "' is a Director repository, which does not support"
              + " delegations",
          null);
    }
  }

  static String checkName(String name) {
    try {
      return TufServerClient.delegationName(name);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), null);
    }
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    requireReposerver(repo);
    checkName(roleName);
    JsonNode json = MetadataJson.read(input);
    SignedMetadata md = SignedMetadata.fromJson(json, input.toString());
    if (md.signatures().isEmpty()) {
      throw new CliException(
          ExitCodes.OTHER,
          input + " has no signatures",
          "sign it first: 'delegations sign -k <key> -i " + input + "'");
    }
    ServerAccess.client(ctx, repo).pushDelegation(roleName, json);
    ServerAccess.warnExpiry(ctx, "delegation " + roleName, md);
    ctx.info("Pushed delegation " + roleName);
    return ExitCodes.OK;
  }
}
