package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.BundleProcedures;
import io.garagehsm.ops.targets.ImageRepository;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ceremony export} (procedure: ops.ceremony.BundleProcedures.exportTo). */
@Command(
    addMethodSubcommands = false,
    name = "export",
    description = {
      "Write an offline signing bundle for the next signed version of root or targets: the"
          + " canonical bytes to sign and their SHA-256, the trusted root, the thresholds, the"
          + " signatures so far and a summary of the changes against the signed version.",
      "The version is the unsigned file's + 1; the expiry comes from --expires / --expire-after,"
          + " else the unsigned file's (as 'root sign -k' and 'targets sign')."
    })
final class CeremonyExportCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;
  @Mixin ResultOutput output;

  @Option(
      names = "--role",
      required = true,
      paramLabel = "root|targets",
      description = "The role to sign.")
  String role;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "<file>",
      description = "The bundle file to write.")
  Path file;

  @Mixin ExpiryOptions expiry;

  CeremonyExportCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    if (!role.equals("root") && !role.equals("targets")) {
      throw new CliException(
          ExitCodes.USAGE, "--role must be root or targets, not '" + role + "'", null);
    }
    expiry.check();
    Repository r =
        role.equals("targets") ? ImageRepository.require(ctx.repo(repo.repo)) : ctx.repo(repo.repo);
    Instant now = ctx.clock().instant();
    BundleProcedures.Exported e =
        BundleProcedures.exportTo(r, role, x -> expiry.resolve(x, now), now, file);
    ctx.transcript().step(e.details());
    CeremonyCommand.printSummary(ctx, e.bundle());
    return output.report(ctx, e);
  }
}
