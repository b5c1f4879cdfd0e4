package io.garagehsm.cli;

import io.garagehsm.ops.targets.UploadTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets upload} (procedure: ops.targets.UploadTarget). */
@Command(
    addMethodSubcommands = false,
    name = "upload",
    description = "Upload a binary to the server's target store as <name>-<version>.")
final class TargetsUploadCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;
  @Mixin ResultOutput output;

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "<file>",
      description = "The binary to upload.")
  Path input;

  @Option(names = "--name", required = true, description = "Target name.")
  String name;

  @Option(names = "--version", required = true, description = "Target version.")
  String version;

  @Option(
      names = "--timeout",
      defaultValue = "3600",
      paramLabel = "<seconds>",
      description = "Time allowed for the upload (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  TargetsUploadCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    UploadTarget.Result result =
        new UploadTarget(ctx.operations())
            .run(
                new UploadTarget.Request(
                    ctx.repo(repoOption.repo),
                    input,
                    name,
                    version,
                    Duration.ofSeconds(Math.max(1, timeoutSeconds))));
    ctx.info(
        "next: 'targets add-uploaded -r "
            + repoOption.repo
            + " -i "
            + input
            + " --name "
            + name
            + " --version "
            + version
            + " --hardwareids …', then sign and push");
    return output.report(ctx, result);
  }
}
