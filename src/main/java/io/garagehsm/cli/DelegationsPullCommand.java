package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations pull}: GET a delegated targets role, to a file or stdout. */
@Command(name = "pull", description = "Fetch a delegated targets role from the server.")
final class DelegationsPullCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = {"-n", "--name"},
      required = true,
      paramLabel = "<role>",
      description = "Delegated role name.")
  String roleName;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "<file>",
      description = "Write it here instead of stdout.")
  Path output;

  DelegationsPullCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    DelegationsPushCommand.requireReposerver(repo);
    DelegationsPushCommand.checkName(roleName);
    JsonNode json = ServerAccess.client(ctx, repo).delegation(roleName);
    if (output != null) {
      AtomicFiles.write(output, MetadataJson.pretty(json), AtomicFiles.PUBLIC);
      ctx.info("Pulled delegation " + roleName + " to " + output);
    } else {
      ctx.out().println(MetadataJson.prettyString(json));
    }
    return ExitCodes.OK;
  }
}
