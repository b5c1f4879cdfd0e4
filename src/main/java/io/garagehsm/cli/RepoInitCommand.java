package io.garagehsm.cli;

import io.garagehsm.ops.setup.RepoInit;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code init}: a local repository from a credentials.zip (ops.setup.RepoInit). */
@Command(
    addMethodSubcommands = false,
    name = "init",
    description = {
      "Create a local repository <home>/<repo> from a credentials.zip: config.json, a copy"
          + " of the zip, roles/root.json and keys/targets.* (a token key reference"
          + " targets.pkcs11 in the zip is restored as such, without its module-path and"
          + " pin-source: the module comes from --module, GARAGE_HSM_MODULE, p11-kit or the"
          + " known paths).",
      "Zip entries are read by name only; a zip with absolute or '..' entry names is refused."
    })
final class RepoInitCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;

  @Option(
      names = {"-c", "--credentials"},
      required = true,
      paramLabel = "<zip>",
      description = "credentials.zip from OTA Connect (or from 'export-credentials').")
  Path credentials;

  @Option(
      names = "--reposerver",
      paramLabel = "<uri>",
      description = "Repository server URL; overrides the zip's tufrepo.url.")
  String reposerver;

  @Option(
      names = {"-t", "--servertype"},
      paramLabel = "reposerver|director",
      defaultValue = "reposerver",
      description = "Server type (default: ${DEFAULT-VALUE}).")
  String servertype;

  @Mixin ResultOutput output;

  RepoInitCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    boolean director =
        switch (servertype) {
          case "reposerver" -> false;
          case "director" -> true;
          default ->
              throw new CliException(
                  ExitCodes.USAGE,
                  "Invalid server type: " + servertype + " valid: (reposerver, director)",
                  null);
        };
    Repository r = Repository.at(ctx.home(), repo.repo);
    return output.report(
        ctx, new RepoInit(ctx).run(new RepoInit.Request(r, credentials, reposerver, director)));
  }
}
