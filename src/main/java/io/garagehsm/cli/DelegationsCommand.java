package io.garagehsm.cli;

import io.garagehsm.ops.delegations.AddDelegatedTarget;
import io.garagehsm.ops.delegations.DelegationFile;
import io.garagehsm.ops.delegations.NewDelegation;
import io.garagehsm.ops.delegations.SignDelegation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations init|add-target|sign}: the supplier side of delegated targets. */
@Command(
    name = "delegations",
    description = "Create, edit and sign delegated targets metadata (supplier side).",
    subcommands = {
      DelegationsCommand.Init.class,
      DelegationsCommand.AddTarget.class,
      DelegationsCommand.Sign.class,
      DelegationsPushCommand.class,
      DelegationsPullCommand.class
    })
final class DelegationsCommand {

  /** Prints the document unless it was written back into its input. */
  static void emit(CliContext ctx, DelegationFile file) {
    if (file.writtenTo().isEmpty()) {
      byte[] b = file.json();
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
    }
  }

  @Command(
      name = "init",
      description =
          "Print an empty unsigned delegated targets role: version 1, expires now + 365 days.")
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      emit(ctx, NewDelegation.create(ctx.clock().instant()));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "add-target",
      description =
          "Add a target to an unsigned delegated targets file; print the result, or write it"
              + " back with -e.")
  static final class AddTarget implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin TargetOptions target;

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
      emit(
          ctx,
          AddDelegatedTarget.run(
              new AddDelegatedTarget.Request(target.spec(), input, inplace),
              ctx.clock().instant()));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "sign",
      description = {
        "Sign a delegated targets file as given (no version bump) with user keys (file or"
            + " token keys); print the envelope, or write it back with -e.",
        "An already signed file gets the new signatures added."
      })
  static final class Sign implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "User key name (repeatable); file or token key.")
    List<String> names;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Delegated targets JSON.")
    Path input;

    @Option(
        names = {"-e", "--inplace"},
        description = "Write the result back into the input file.")
    boolean inplace;

    @Option(
        names = {"-p", "--keys-path"},
        paramLabel = "<dir>",
        description = "Folder of user keys (default: <home>/user-keys).")
    Path keysPath;

    Sign(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      SignDelegation.Result result =
          new SignDelegation(ctx::signer)
              .run(new SignDelegation.Request(names, ctx.userKeys(keysPath), input, inplace));
      emit(ctx, result.file());
      return ExitCodes.OK;
    }
  }
}
