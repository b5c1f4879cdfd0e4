package io.garagehsm.cli;

import io.garagehsm.ops.delegations.SignDelegation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations sign} (procedure: ops.delegations.SignDelegation). */
@Command(
    addMethodSubcommands = false,
    name = "sign",
    description = {
      "Sign a delegated targets file as given (no version bump) with user keys (file or"
          + " token keys); print the envelope, or write it back with -e.",
      "An already signed file gets the new signatures added."
    })
final class DelegationsSignCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin ResultOutput output;

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

  DelegationsSignCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    DelegationsCommand.requireFileForJson(output, inplace, "-e");
    SignDelegation.Result result =
        new SignDelegation(ctx::signer)
            .run(new SignDelegation.Request(names, ctx.userKeys(keysPath), input, inplace));
    return DelegationsCommand.emit(ctx, output, result.file(), result);
  }
}
