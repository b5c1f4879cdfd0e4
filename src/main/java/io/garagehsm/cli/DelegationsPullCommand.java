package io.garagehsm.cli;

import io.garagehsm.ops.delegations.PullDelegation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations pull} (procedure: ops.delegations.PullDelegation). */
@Command(
    addMethodSubcommands = false,
    name = "pull",
    description = "Fetch a delegated targets role from the server.")
final class DelegationsPullCommand implements Callable<Integer> {
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
      names = {"-o", "--output"},
      paramLabel = "<file>",
      description = "Write it here instead of stdout.")
  Path file;

  DelegationsPullCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    if (output.json && file == null) {
      throw new CliException(
          ExitCodes.USAGE,
          "--json needs -o: without it the delegation itself is what goes to stdout",
          "add -o <file>");
    }
    PullDelegation.Result result =
        new PullDelegation(ctx.operations())
            .run(new PullDelegation.Request(ctx.repo(repoOption.repo), roleName, file));
    if (file == null) {
      byte[] b = result.document();
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
    }
    return output.report(ctx, result);
  }
}
