package io.garagehsm.cli;

import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.ops.targets.TargetEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets add-uploaded} (procedure: ops.targets.AddTargets, as {@code targets add}). */
@Command(
    addMethodSubcommands = false,
    name = "add-uploaded",
    description =
        "Add a target for a file uploaded with 'targets upload': length and SHA-256 are"
            + " computed from the local file; format BINARY, no uri, cliUploaded true. With"
            + " --manifest, many files in one run.")
final class TargetsAddUploadedCommand implements Callable<Integer> {
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
  Options file;

  TargetsAddUploadedCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    return TargetsAddCommands.add(
        ctx,
        output,
        repo,
        manifest,
        file == null
            ? null
            : () ->
                TargetEntry.uploaded(
                    file.input, file.name, file.version, file.hardwareIds, file.customMeta),
        TargetManifest.Kind.ADD_UPLOADED,
        "-i/--name/--version/...",
        "targets add-uploaded needs -i, --name, --version and --hardwareids, or --manifest");
  }

  /** The single-file options of {@code targets add-uploaded}. */
  static final class Options {
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
}
