package io.garagehsm.cli;

import io.garagehsm.ops.targets.AddDelegatedRole;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets delegations add} (procedure: ops.targets.AddDelegatedRole). */
@Command(
    addMethodSubcommands = false,
    name = "delegations",
    description = "Edit the delegations of the unsigned targets.json.")
final class TargetsDelegationsCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(TargetsDelegationsCommand.Add.class);

  @Command(
      addMethodSubcommands = false,
      name = "add",
      description =
          "Add or replace a delegated role (threshold 1, terminating) in the unsigned"
              + " targets.json.")
  static final class Add implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    @Option(
        names = {"-n", "--name"},
        required = true,
        paramLabel = "<role>",
        description = "Delegated role name.")
    String name;

    @Option(
        names = {"-p", "--prefix"},
        required = true,
        paramLabel = "<pattern>",
        description = "Path pattern the role may sign, e.g. 'supplier-*' (repeatable).")
    List<String> prefixes;

    @Option(
        names = {"-k", "--key"},
        required = true,
        paramLabel = "<pub-file>",
        description = "Public key file of the role (repeatable).")
    List<Path> keys;

    Add(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return output.report(
          ctx,
          AddDelegatedRole.run(
              new AddDelegatedRole.Request(() -> ctx.repo(repo.repo), name, prefixes, keys)));
    }
  }
}
