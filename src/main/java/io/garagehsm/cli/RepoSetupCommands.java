package io.garagehsm.cli;

import io.garagehsm.ops.setup.ClientCertImport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code import-client-cert} (ops.setup.ClientCertImport). */
final class RepoSetupCommands {
  private RepoSetupCommands() {}

  @Command(
      addMethodSubcommands = false,
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
}
