package io.garagehsm.cli;

import io.garagehsm.ops.targets.PushTargets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code targets push} (procedure: ops.targets.PushTargets): PUT roles/targets.json with the saved
 * role checksum; a refusal that pulling and signing again fixes exits 2.
 */
@Command(
    addMethodSubcommands = false,
    name = "push",
    description = "Push roles/targets.json to the server.")
final class TargetsPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;
  @Mixin ResultOutput output;

  TargetsPushCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    PushTargets push = new PushTargets(ctx.operations());
    return output.report(ctx, push.run(ctx.repo(repoOption.repo)));
  }
}
