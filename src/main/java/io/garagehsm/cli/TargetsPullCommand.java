package io.garagehsm.cli;

import io.garagehsm.ops.targets.PullTargets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code targets pull} (procedure: ops.targets.PullTargets): fetches targets.json, checks it
 * against the local roles/root.json, saves the unsigned part and the role checksum.
 */
@Command(
    addMethodSubcommands = false,
    name = "pull",
    description = "Fetch targets.json and its role checksum from the server.")
final class TargetsPullCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;
  @Mixin ResultOutput output;

  @Option(
      names = "--checksum-only",
      description =
          "Save only the role checksum of the server's targets.json, without verifying its"
              + " content (after a targets key rotation, to be able to push new targets).")
  boolean checksumOnly;

  @Option(
      names = "--force",
      description =
          "Accept a targets.json older than the version held locally (roles/targets.json,"
              + " roles/unsigned/targets.json); without it such a rollback is refused.")
  boolean force;

  TargetsPullCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    PullTargets pull = new PullTargets(ctx.operations());
    return output.report(
        ctx, pull.run(new PullTargets.Request(ctx.repo(repoOption.repo), checksumOnly, force)));
  }
}
