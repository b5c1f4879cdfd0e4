package io.garagehsm.cli;

import io.garagehsm.ops.setup.ClientCertImport;
import io.garagehsm.ops.setup.CredentialsExport;
import io.garagehsm.ops.setup.RepoInit;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code init}, {@code import-client-cert} and {@code export-credentials} (ops.setup). */
final class RepoSetupCommands {
  private RepoSetupCommands() {}

  @Command(
      name = "init",
      description = {
        "Create a local repository <home>/<repo> from a credentials.zip: config.json, a copy"
            + " of the zip, roles/root.json and keys/targets.* (a token key reference"
            + " targets.pkcs11 in the zip is restored as such, without its module-path and"
            + " pin-source: the module comes from --module, GARAGE_HSM_MODULE, p11-kit or the"
            + " known paths).",
        "Zip entries are read by name only; a zip with absolute or '..' entry names is refused."
      })
  static final class Init implements Callable<Integer> {
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

    Init(CliContext ctx) {
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

  @Command(
      name = "import-client-cert",
      description =
          "Switch a repository to mutual TLS: copy the PKCS#12 client certificate (and the"
              + " server trust store) into it and point config.json's auth at them.")
  static final class ImportClientCert implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-c", "--client-cert"},
        required = true,
        paramLabel = "<p12>",
        description = "Client certificate and key, PKCS#12 with an empty password.")
    Path clientCert;

    @Option(
        names = {"-s", "--server-cert"},
        paramLabel = "<p12>",
        description = "Server trust store, PKCS#12 with an empty password.")
    Path serverCert;

    @Mixin ResultOutput output;

    ImportClientCert(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      return output.report(
          ctx,
          ClientCertImport.run(
              new ClientCertImport.Request(ctx.repo(repo.repo), clientCert, serverCert)));
    }
  }

  @Command(
      name = "export-credentials",
      description = {
        "Write a credentials zip for this repository with the chosen key as targets.pub /"
            + " targets.sec.",
        "For a token key, the zip holds targets.pub and the reference targets.pkcs11 instead"
            + " (no private key); 'init' restores it as a token key."
      })
  static final class ExportCredentials implements Callable<Integer> {
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

    ExportCredentials(CliContext ctx) {
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
}
