package io.garagehsm.cli;

import io.garagehsm.ops.delegations.PushDelegation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations push} (procedure: ops.delegations.PushDelegation). */
@Command(
    addMethodSubcommands = false,
    name = "push",
    description = "Push a signed delegated targets role to the server.")
final class DelegationsPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;
  @Mixin ResultOutput output;

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

  @Override
  public Integer call() {
    PushDelegation push = new PushDelegation(ctx.operations());
    return output.report(
        ctx, push.run(new PushDelegation.Request(ctx.repo(repoOption.repo), roleName, input)));
  }
}
