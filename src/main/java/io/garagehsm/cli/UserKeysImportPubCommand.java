package io.garagehsm.cli;

import io.garagehsm.ops.keys.PublicKeyImport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code user-keys importpub}: a PEM public key into a repository's keys/ (PublicKeyImport). */
@Command(
    addMethodSubcommands = false,
    name = "importpub",
    description = {
      "Import a PEM public key (SPKI RSA, Ed25519 or P-256, or PKCS#1 RSA) as"
          + " keys/<name>.pub of a repository, e.g. the public half of an HSM key.",
      "Sign with such keys through --signatures, or adopt the token key."
    })
final class UserKeysImportPubCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;
  @Mixin ResultOutput output;

  @Option(
      names = {"-k", "--key-name"},
      required = true,
      paramLabel = "<name>",
      description = "Key name (repeatable: the same key under several names).")
  List<String> names;

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "<pem>",
      description = "PEM public key file.")
  Path input;

  UserKeysImportPubCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    return output.report(
        ctx,
        PublicKeyImport.run(
            new PublicKeyImport.Request(() -> ctx.repo(repo.repo), names, input), ctx));
  }
}
