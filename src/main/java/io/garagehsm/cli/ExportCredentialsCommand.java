package io.garagehsm.cli;

import io.garagehsm.ops.setup.CredentialsExport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code export-credentials}: a credentials zip with a chosen targets key
 * (ops.setup.CredentialsExport).
 */
@Command(
    addMethodSubcommands = false,
    name = "export-credentials",
    description = {
      "Write a credentials zip for this repository with the chosen key as targets.pub /"
          + " targets.sec.",
      "For a token key, the zip holds targets.pub and the reference targets.pkcs11 instead"
          + " (no private key); 'init' restores it as a token key."
    })
final class ExportCredentialsCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;

  @Option(
      names = {"-k", "--key-name"},
      required = true,
      paramLabel = "<name>",
      description = "Key in keys/ exported as the targets key (only the first is used).")
  List<String> keyNames;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "<zip>",
      description = "Zip file to write (mode 0600: it may hold a private key).")
  Path outputZip;

  @Mixin ResultOutput output;

  ExportCredentialsCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    return output.report(
        ctx,
        new CredentialsExport(ctx)
            .run(new CredentialsExport.Request(ctx.repo(repo.repo), keyNames, outputZip)));
  }
}
