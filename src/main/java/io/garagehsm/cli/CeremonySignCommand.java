package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.BundleProcedures;
import io.garagehsm.ops.ceremony.SigningBundle;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ceremony sign} (procedure: ops.ceremony.BundleProcedures.signTo). */
@Command(
    addMethodSubcommands = false,
    name = "sign",
    description = {
      "Sign an offline bundle with one key (file or token key), without a repository or"
          + " network: show the summary, check the bundle's integrity, sign, verify, and add the"
          + " signature to the bundle.",
      "The key is <name> in --keys-path (default <home>/user-keys), or in the keys/ of -r."
    })
final class CeremonySignCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin ResultOutput output;

  @Parameters(index = "0", paramLabel = "<bundle>", description = "The bundle file.")
  Path bundle;

  @Option(
      names = {"-k", "--key-name"},
      required = true,
      paramLabel = "<name>",
      description = "The key to sign with.")
  String keyName;

  @Option(
      names = {"-p", "--keys-path"},
      paramLabel = "<dir>",
      description = "Folder of the key (default <home>/user-keys).")
  Path keysPath;

  @Option(
      names = {"-r", "--repo"},
      paramLabel = "<name>",
      description = "Use the key in this repository's keys/ (and record in its transcript).")
  String repoName;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "<file>",
      description = "Write the signed bundle here (default: replace <bundle>).")
  Path file;

  CeremonySignCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    SigningBundle b = SigningBundle.read(bundle);
    b.check();
    CeremonyCommand.printSummary(ctx, b);
    KeyDirectory keys = repoName != null ? ctx.repo(repoName).keys() : ctx.userKeys(keysPath);
    BundleProcedures.Signed signed;
    try (Signer s = ctx.signer(keys, keyName)) {
      signed =
          BundleProcedures.signTo(
              b, s, keyName, ctx.clock().instant(), ctx.hostName(), file != null ? file : bundle);
    }
    ctx.info("signed with key '" + keyName + "': " + signed.bundle().progress());
    return output.report(ctx, signed);
  }
}
