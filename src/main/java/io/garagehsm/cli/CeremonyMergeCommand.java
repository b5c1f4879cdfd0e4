package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.BundleProcedures;
import io.garagehsm.ops.ceremony.SigningBundle;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ceremony merge} (procedure: ops.ceremony.BundleProcedures.merge). */
@Command(
    addMethodSubcommands = false,
    name = "merge",
    description = {
      "Collect the signatures of signed bundles into the repository: every signature is"
          + " verified again over the bundle's bytes, and the bundle must come from the"
          + " repository's current unsigned role and trusted root.",
      "Writes roles/root.json or roles/targets.json only when every threshold is met; with"
          + " --partial -o <file>, writes the merged bundle instead, to collect more signatures."
    })
final class CeremonyMergeCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;
  @Mixin ResultOutput output;

  @Parameters(arity = "1..*", paramLabel = "<bundle>", description = "Signed bundle files.")
  List<Path> bundles;

  @Option(
      names = "--partial",
      description = "When thresholds are not met yet, write the merged bundle to -o instead.")
  boolean partial;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "<file>",
      description = "With --partial: where the merged bundle goes.")
  Path file;

  CeremonyMergeCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    if (partial && file == null) {
      throw new CliException(
          ExitCodes.USAGE, "--partial needs -o <file> for the merged bundle", null);
    }
    Repository r = ctx.repo(repo.repo);
    List<SigningBundle> read = new ArrayList<>();
    for (Path p : bundles) {
      read.add(SigningBundle.read(p));
    }
    BundleProcedures.MergeResult m = BundleProcedures.merge(r, read, partial, file);
    ctx.transcript().step(m.details());
    ctx.info(m.progress());
    return output.report(ctx, m);
  }
}
