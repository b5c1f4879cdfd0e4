package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.targets.ImageRepository;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Hidden {@code get-targets}: prints the server's targets.json (no verification, no writes). */
@Command(
    addMethodSubcommands = false,
    name = "get-targets",
    hidden = true,
    description = "Print the server's targets.json.")
final class GetTargetsCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  GetTargetsCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    ImageRepository.requireForServer(repo);
    TufServerClient.FetchedTargets f = ServerAccess.client(ctx, repo).targets();
    ctx.out().println(MetadataJson.prettyString(f.targets().toJson()));
    if (f.checksum() != null) {
      ctx.info("x-ats-role-checksum: " + f.checksum());
    }
    return ExitCodes.OK;
  }
}
