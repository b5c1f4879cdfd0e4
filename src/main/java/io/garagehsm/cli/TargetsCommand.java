package io.garagehsm.cli;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.ops.targets.DeleteTarget;
import io.garagehsm.ops.targets.ImageRepository;
import io.garagehsm.ops.targets.IncrementTargetsVersion;
import io.garagehsm.ops.targets.InitTargets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets …}: the image repository's targets metadata (procedures in ops.targets). */
@Command(
    addMethodSubcommands = false,
    name = "targets",
    description = "Edit and sign the targets metadata of an image (reposerver) repository.")
final class TargetsCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          TargetsCommand.Init.class,
          TargetsAddCommands.Add.class,
          TargetsAddUploadedCommand.class,
          TargetsCommand.Delete.class,
          TargetsCommand.GetUnsigned.class,
          TargetsSignCommand.class,
          TargetsCommand.IncrementVersion.class,
          TargetsDelegationsCommand.class,
          TargetsPullCommand.class,
          TargetsPushCommand.class,
          TargetsUploadCommand.class);

  @Command(
      addMethodSubcommands = false,
      name = "init",
      description =
          "Write an empty unsigned targets.json (roles/unsigned/targets.json) with the given"
              + " version and expiry. Replaces an existing unsigned file (with a warning"
              + " when it listed targets); roles/targets.json is left alone.")
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    @Option(names = "--version", required = true, paramLabel = "<int>", description = "Version.")
    int version;

    @Option(
        names = "--expires",
        required = true,
        paramLabel = "<instant>",
        description = "Expiry date, ISO-8601, e.g. 2030-01-01T00:00:00Z.")
    String expires;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Instant exp;
      try {
        exp = Expiry.parse(expires, "--expires");
      } catch (MetadataException e) {
        throw new CliException(ExitCodes.USAGE, e.getMessage(), e.hint());
      }
      return output.report(
          ctx,
          InitTargets.run(new InitTargets.Request(() -> ctx.repo(repo.repo), version, exp), ctx));
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "delete",
      description =
          "Remove a target from the unsigned targets.json; its filename is <name>-<version>.")
  static final class Delete implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    @Option(
        names = "--filename",
        required = true,
        paramLabel = "<name>",
        description = "Target filename, <name>-<version>.")
    String filename;

    Delete(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return output.report(ctx, DeleteTarget.run(ctx.repo(repo.repo), filename));
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "get-unsigned",
      description =
          "Print the canonical JSON of the unsigned targets (no trailing newline): exactly the"
              + " bytes 'targets sign' signs. Use it to sign with an external key, then pass"
              + " --signatures to 'targets sign'.")
  static final class GetUnsigned implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    GetUnsigned(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      byte[] b = ImageRepository.require(ctx.repo(repo.repo)).unsignedTargets().canonical();
      ctx.out().write(b, 0, b.length);
      ctx.out().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "increment-version",
      description = "Add 1 to the version of the unsigned targets.json.")
  static final class IncrementVersion implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    IncrementVersion(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return output.report(ctx, IncrementTargetsVersion.run(ctx.repo(repo.repo)));
    }
  }
}
