package io.garagehsm.cli;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.root.RootVerification;
import io.garagehsm.ops.root.RootVersionIncrement;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code root …}: the repository's root metadata (procedures in ops.root). */
@Command(
    addMethodSubcommands = false,
    name = "root",
    description = "Edit and sign root.json (keys of the root and targets roles).")
final class RootCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          RootCommand.GetUnsigned.class,
          RootKeyCommands.Key.class,
          RootKeyCommands.TargetsKey.class,
          RootSignCommand.class,
          RootCommand.IncrementVersion.class,
          RootPullCommand.class,
          RootPushCommand.class);

  @Command(
      addMethodSubcommands = false,
      name = "get-unsigned",
      description =
          "Print the canonical JSON of the unsigned root (no trailing newline): exactly the"
              + " bytes 'root sign' signs when the version is already final (see --signatures).")
  static final class GetUnsigned implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    GetUnsigned(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      byte[] b = CanonicalJson.encode(r.unsignedRoot().reencoded());
      ctx.out().write(b, 0, b.length);
      ctx.out().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "increment-version",
      description = "Add 1 to the unsigned root's version.")
  static final class IncrementVersion implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    IncrementVersion(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return output.report(ctx, RootVersionIncrement.run(ctx.repo(repo.repo)));
    }
  }

  /** {@code verify-root -r <repo> -i <file>} (hidden, as in garage-sign). */
  @Command(
      addMethodSubcommands = false,
      name = "verify-root",
      hidden = true,
      description = "Check a root.json's signatures against its own root role.")
  static final class VerifyRoot implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Signed root.json to check.")
    Path input;

    VerifyRoot(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      ctx.repo(repo.repo);
      SignedMetadata.Verification v = RootVerification.check(input);
      ctx.info(input + " is valid: " + v.describe());
      return ExitCodes.OK;
    }
  }
}
