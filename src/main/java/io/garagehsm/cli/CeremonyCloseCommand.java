package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.TranscriptSeal;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ceremony close} (procedure: ops.ceremony.TranscriptSeal.seal). */
@Command(
    addMethodSubcommands = false,
    name = "close",
    description =
        "Seal the transcript: sign the SHA-256 of its last line with a key (file or token key)"
            + " and append the seal as a line.")
final class CeremonyCloseCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;
  @Mixin ResultOutput output;

  @Option(
      names = {"-k", "--key-name"},
      required = true,
      paramLabel = "<name>",
      description = "Key in keys/ that signs the transcript head.")
  String keyName;

  CeremonyCloseCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository r = ctx.repo(repo.repo);
    TranscriptSeal.Sealed sealed;
    try (Signer s = ctx.signer(r.keys(), keyName)) {
      sealed = TranscriptSeal.seal(r, s, keyName);
    }
    ctx.transcript().step(sealed.details());
    return output.report(ctx, sealed);
  }
}
