package io.garagehsm.cli;

import io.garagehsm.ops.root.RootPush;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code root push}: the options of {@link RootPush} (check and POST roles/root.json). */
@Command(
    addMethodSubcommands = false,
    name = "push",
    description = "Push roles/root.json to the server.")
final class RootPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Mixin ResultOutput output;

  RootPushCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    RootPush push = new RootPush(ctx.operations());
    return output.report(ctx, push.run(new RootPush.Request(ctx.repo(repoOption.repo))));
  }
}
