package io.garagehsm.cli;

import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets upload}: uploads a binary under the target filename {@code <name>-<version>}. */
@Command(
    name = "upload",
    description = "Upload a binary to the server's target store as <name>-<version>.")
final class TargetsUploadCommand implements Callable<Integer> {
  /** The real reposerver's answer when it stores targets locally (compat spec Appendix C). */
  static final String LOCAL_STORAGE =
      "out of band storage of target is not supported for local storage";

  private final CliContext ctx;

  @Mixin RepoOption repoOption;

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
  public Integer call() throws Exception {
    Repository repo = ctx.repo(repoOption.repo);
    ServerAccess.requireReposerver(repo);
    if (!Files.isRegularFile(input)) {
      throw new CliException(ExitCodes.OTHER, input + " does not exist or is not a file", null);
    }
    String filename = name + "-" + version;
    TufServerClient client = ServerAccess.client(ctx, repo);
    TufServerClient.UploadMethod how;
    try {
      how = client.upload(filename, input, Duration.ofSeconds(Math.max(1, timeoutSeconds)));
    } catch (ServerException e) {
      if (e.status() == 500 && String.valueOf(e.getMessage()).contains(LOCAL_STORAGE)) {
        throw new CliException(
            ExitCodes.OTHER,
            "the server at "
                + client.server()
                + " does not accept uploads: it keeps targets in local storage (HTTP 500 \""
                + LOCAL_STORAGE
                + "\")",
            "this is a setting of the reposerver, not a problem of the file: upload to a"
                + " reposerver with S3 or Azure target storage, or host the binary elsewhere and"
                + " add it with 'targets add --url …'",
            e);
      }
      throw e;
    }
    ctx.info(
        "Uploaded "
            + input
            + " ("
            + Files.size(input)
            + " bytes) as "
            + filename
            + (how == TufServerClient.UploadMethod.MULTIPART ? " (multipart)" : ""));
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
    return ExitCodes.OK;
  }
}
