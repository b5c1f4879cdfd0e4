package io.garagehsm.cli;

import io.garagehsm.ops.root.RootPull;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code root pull}: the options of {@link RootPull} (fetch root.json, validating the chain). */
@Command(
    addMethodSubcommands = false,
    name = "pull",
    description = "Fetch root.json from the server, validating the chain.")
final class RootPullCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = "--force",
      hidden = true,
      description = "Check only the server root's own signatures, not the chain.")
  boolean force;

  @Mixin ResultOutput output;

  RootPullCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    RootPull pull = new RootPull(ctx.operations());
    return output.report(ctx, pull.run(new RootPull.Request(ctx.repo(repoOption.repo), force)));
  }
}
