package io.garagehsm.cli;

import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.ops.targets.AddTargets;
import io.garagehsm.ops.targets.TargetEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets add} and {@code targets add-uploaded} (procedure: ops.targets.AddTargets). */
final class TargetsAddCommands {
  private TargetsAddCommands() {}

  /** Runs {@code request}; a manifest {@code -} is read from standard input. */
  static int add(CliContext ctx, ResultOutput output, AddTargets.Request request) {
    return output.report(ctx, new AddTargets(ctx.clock().instant(), System.in).run(request));
  }

  @Command(
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
      if (manifest != null && target != null) {
        throw new CliException(
            ExitCodes.USAGE, "--manifest and --name/--version/... exclude each other", null);
      }
      if (manifest == null && target == null) {
        throw new CliException(
            ExitCodes.USAGE,
            "targets add needs --name, --version, --length, --sha256 and --hardwareids, or"
                + " --manifest",
            "see 'targets add --help'");
      }
      return add(
          ctx,
          output,
          manifest != null
              ? AddTargets.Request.fromManifest(
                  () -> ctx.repo(repo.repo), manifest, TargetManifest.Kind.ADD)
              : AddTargets.Request.of(
                  () -> ctx.repo(repo.repo), List.of(target.spec()), TargetManifest.Kind.ADD));
    }
  }

  /** The single-file options of {@code targets add-uploaded}. */
  static final class UploadedOptions {
    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "The uploaded file.")
    Path input;

    @Option(names = "--name", required = true, description = "Target name.")
    String name;

    @Option(names = "--version", required = true, description = "Target version.")
    String version;

    @Option(
        names = "--hardwareids",
        required = true,
        split = ",",
        paramLabel = "<id>",
        description = "Hardware IDs, comma-separated.")
    List<String> hardwareIds;

    @Option(
        names = "--customMeta",
        paramLabel = "<json>",
        description =
            "JSON object deep-merged into the target's custom field; it must not set name,"
                + " version, hardwareIds, targetFormat, uri or cliUploaded.")
    String customMeta;
  }

  @Command(
      name = "add-uploaded",
      description =
          "Add a target for a file uploaded with 'targets upload': length and SHA-256 are"
              + " computed from the local file; format BINARY, no uri, cliUploaded true. With"
              + " --manifest, many files in one run.")
  static final class AddUploaded implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;
    @Mixin ResultOutput output;

    @Option(
        names = "--manifest",
        paramLabel = "<file|->",
        description =
            "Add every file of this JSON array or JSON Lines file ('-': standard input): each"
                + " entry has the fields input (a path, relative to the current folder), name,"
                + " version, hardwareids and optionally customMeta. All files are read and all"
                + " entries checked before anything is written; an error names the entry (exit 1).")
    String manifest;

    @ArgGroup(exclusive = false)
    UploadedOptions file;

    AddUploaded(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      if (manifest != null && file != null) {
        throw new CliException(
            ExitCodes.USAGE, "--manifest and -i/--name/--version/... exclude each other", null);
      }
      if (manifest == null && file == null) {
        throw new CliException(
            ExitCodes.USAGE,
            "targets add-uploaded needs -i, --name, --version and --hardwareids, or --manifest",
            "see 'targets add-uploaded --help'");
      }
      return add(
          ctx,
          output,
          manifest != null
              ? AddTargets.Request.fromManifest(
                  () -> ctx.repo(repo.repo), manifest, TargetManifest.Kind.ADD_UPLOADED)
              : AddTargets.Request.of(
                  () -> ctx.repo(repo.repo),
                  List.of(
                      TargetEntry.uploaded(
                          file.input, file.name, file.version, file.hardwareIds, file.customMeta)),
                  TargetManifest.Kind.ADD_UPLOADED));
    }
  }
}
