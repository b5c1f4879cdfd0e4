package io.garagehsm.cli;

import io.garagehsm.ops.ExpiryChoice;
import io.garagehsm.ops.targets.SignTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets sign} (procedure: ops.targets.SignTargets). */
@Command(
    addMethodSubcommands = false,
    name = "sign",
    description = {
      "Sign the unsigned targets into roles/targets.json.",
      "With --key-name: version = --version or unsigned version + 1; expiry from --expires /"
          + " --expire-after, else the unsigned file's. The key may be a file key or a token"
          + " key.",
      "With --signatures: attach signatures made elsewhere over 'targets get-unsigned';"
          + " each is verified first; no version or expiry change."
    })
final class TargetsSignCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;

  @Option(
      names = "--key-name",
      paramLabel = "<name>",
      description =
          "Key in keys/ to sign with (file key or token key); if repeated, only the last"
              + " is used.")
  List<String> keyNames = new ArrayList<>();

  @Option(names = "--version", paramLabel = "<int>", description = "Version of the result.")
  Integer version;

  @Option(
      names = "--signatures",
      paramLabel = "<name=b64,…>",
      description =
          "External signatures over 'targets get-unsigned', by keys/<name>.pub: RSA-PSS"
              + " (SHA-256, salt 32) or Ed25519, base64.")
  String signatures;

  @Mixin ExpiryOptions expiry;
  @Mixin ResultOutput output;

  TargetsSignCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    SignTargets.checkArguments(!keyNames.isEmpty(), version != null, signatures != null);
    Map<String, String> sigs = signatures == null ? null : SignaturesOption.parse(signatures);
    ExpiryChoice choice = sigs == null ? expiry.choice() : expiry.ignored();
    if (keyNames.size() > 1) {
      ctx.warn("only one --key-name is used for targets: " + keyNames.get(keyNames.size() - 1));
    }
    String key = keyNames.isEmpty() ? null : keyNames.get(keyNames.size() - 1);
    SignTargets.Request request =
        new SignTargets.Request(ctx.repo(repo.repo), key, version, choice, sigs);
    return output.report(ctx, new SignTargets(ctx.operations()).run(request));
  }
}
