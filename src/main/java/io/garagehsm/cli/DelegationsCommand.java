package io.garagehsm.cli;

import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.delegations.AddDelegatedTarget;
import io.garagehsm.ops.delegations.DelegationFile;
import io.garagehsm.ops.delegations.NewDelegation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations init|add-target|sign|push|pull}: the supplier side of delegated targets. */
@Command(
    addMethodSubcommands = false,
    name = "delegations",
    description = "Create, edit and sign delegated targets metadata (supplier side).")
final class DelegationsCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          DelegationsCommand.Init.class,
          DelegationsCommand.AddTarget.class,
          DelegationsSignCommand.class,
          DelegationsPushCommand.class,
          DelegationsPullCommand.class);

  /**
   * {@code --json} prints the result on stdout, where the document goes unless it is written to a
   * file: refused before anything is read or signed when there is no file.
   */
  static void requireFileForJson(ResultOutput output, boolean toFile, String option) {
    if (output.json && !toFile) {
      throw new CliException(
          ExitCodes.USAGE,
          "--json needs " + option + ": without it the delegation itself is what goes to stdout",
          "add " + option);
    }
  }

  /** Prints the document unless it was written to a file, then the result line (and JSON). */
  static int emit(
      CliContext ctx, ResultOutput output, DelegationFile file, OperationResult result) {
    if (file.writtenTo().isEmpty()) {
      byte[] b = file.json();
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
    }
    return output.report(ctx, result);
  }

  @Command(
      addMethodSubcommands = false,
      name = "init",
      description =
          "Print an empty unsigned delegated targets role: version 1, expires now + 365 days"
              + " (or write it to -o).")
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin ResultOutput output;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "<file>",
        description = "Write the role here instead of stdout.")
    Path file;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      requireFileForJson(output, file != null, "-o <file>");
      NewDelegation.Result result = NewDelegation.run(ctx.clock().instant(), file);
      return emit(ctx, output, result.file(), result);
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "add-target",
      description =
          "Add a target to an unsigned delegated targets file; print the result, or write it"
              + " back with -e.")
  static final class AddTarget implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin TargetOptions target;
    @Mixin ResultOutput output;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Unsigned delegated targets JSON.")
    Path input;

    @Option(
        names = {"-e", "--inplace"},
        description = "Write the result back into the input file.")
    boolean inplace;

    AddTarget(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      requireFileForJson(output, inplace, "-e");
      AddDelegatedTarget.Result result =
          AddDelegatedTarget.run(
              new AddDelegatedTarget.Request(target.spec(), input, inplace), ctx.clock().instant());
      return emit(ctx, output, result.file(), result);
    }
  }
}
