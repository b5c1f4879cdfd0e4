package io.garagehsm.cli;

import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.ops.targets.AddTargets;
import io.garagehsm.ops.targets.TargetEntry;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code targets add} and what it shares with {@code targets add-uploaded} ({@link
 * TargetsAddUploadedCommand}): one target from flags or many from a manifest (procedure:
 * ops.targets.AddTargets).
 */
final class TargetsAddCommands {
  private TargetsAddCommands() {}

  /**
   * One target from the flags ({@code entry}, null when none was given; made only after the checks,
   * as it may read the file) or many from {@code manifest} (a file, or {@code -} for standard
   * input), never both; then {@link AddTargets}.
   *
   * @param entryFlags how the one-target flags are named in the error when both are given
   * @param required the error when neither is given
   */
  static int add(
      CliContext ctx,
      ResultOutput output,
      RepoOption repo,
      String manifest,
      Supplier<TargetEntry> entry,
      TargetManifest.Kind kind,
      String entryFlags,
      String required) {
    String command = kind == TargetManifest.Kind.ADD ? "targets add" : "targets add-uploaded";
    if (manifest != null && entry != null) {
      throw new CliException(
          ExitCodes.USAGE, "--manifest and " + entryFlags + " exclude each other", null);
    }
    if (manifest == null && entry == null) {
      throw new CliException(ExitCodes.USAGE, required, "see '" + command + " --help'");
    }
    AddTargets.Request request =
        manifest != null
            ? AddTargets.Request.fromManifest(() -> ctx.repo(repo.repo), manifest, kind)
            : AddTargets.Request.of(() -> ctx.repo(repo.repo), List.of(entry.get()), kind);
    return output.report(ctx, new AddTargets(ctx.clock().instant(), System.in).run(request));
  }

  @Command(
      addMethodSubcommands = false,
      name = "add",
      description =
          "Add (or replace) a target <name>-<version> in the unsigned targets.json, or many"
              + " targets from a --manifest in one run. All signed strings must be ASCII.")
  static final class Add implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    @Option(
        names = "--manifest",
        paramLabel = "<file|->",
        description =
            "Add every target of this JSON array or JSON Lines file ('-': standard input) instead"
                + " of one: each entry has the fields name, version, length, sha256, hardwareids,"
                + " and optionally format, url, customMeta, meaning what the flags mean. All entries"
                + " are checked before anything is written; an error names the entry (exit 1).")
    String manifest;

    @ArgGroup(exclusive = false)
    TargetOptions target;

    Add(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return add(
          ctx,
          output,
          repo,
          manifest,
          target == null ? null : target::spec,
          TargetManifest.Kind.ADD,
          "--name/--version/...",
          "targets add needs --name, --version, --length, --sha256 and --hardwareids, or"
              + " --manifest");
    }
  }
}
