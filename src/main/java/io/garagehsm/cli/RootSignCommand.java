package io.garagehsm.cli;

import io.garagehsm.ops.root.RootSigning;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code root sign}: the options of {@link RootSigning}. */
@Command(
    addMethodSubcommands = false,
    name = "sign",
    description = {
      "Sign the unsigned root into roles/root.json.",
      "With -k: version = unsigned version + 1, expiry from --expires / --expire-after, else"
          + " the unsigned file's; one signature per key (file or token keys). A new root"
          + " needs signatures by the old and the new root keys.",
      "With --signatures: attach signatures made elsewhere over 'root get-unsigned' (no"
          + " version or expiry change); --old-root-alias / -k keys sign the same bytes.",
      "Refuses a version that skips one relative to roles/root.json."
    })
final class RootSignCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;

  @Option(
      names = {"-k", "--key-name"},
      paramLabel = "<name>",
      description = "Key in keys/ to sign with, file or token key (repeatable).")
  List<String> names = new ArrayList<>();

  @Option(
      names = "--old-root-alias",
      paramLabel = "<name>",
      description = "The previous root key in keys/ (file or token key); signs as well.")
  String oldRootAlias;

  @Option(
      names = "--signatures",
      paramLabel = "<name=b64,…>",
      description = "External signatures over 'root get-unsigned', by keys/<name>.pub (base64).")
  String signatures;

  @Mixin ExpiryOptions expiry;

  @Mixin ResultOutput output;

  RootSignCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    List<String> local = new ArrayList<>(new LinkedHashSet<>(names));
    if (oldRootAlias != null && !local.contains(oldRootAlias)) {
      local.add(oldRootAlias);
    }
    Map<String, String> sigs = signatures == null ? null : SignaturesOption.parse(signatures);
    if (sigs == null) {
      if (local.isEmpty()) {
        throw new CliException(
            ExitCodes.USAGE, "root sign needs -k <key>, --old-root-alias or --signatures", null);
      }
      expiry.check();
    } else if (expiry.given()) {
      ctx.warn("--expires/--expire-after are ignored with --signatures");
    }
    RootSigning signing = new RootSigning(ctx.operations(), new TokenPresence(ctx), ctx.prompter());
    return output.report(
        ctx,
        signing.run(
            new RootSigning.Request(
                ctx.repo(repo.repo), local, sigs, sigs == null ? expiry.choice() : null)));
  }

  /**
   * Whether a key URI's token is plugged in now (tokens set up on first use). A class, not a
   * lambda: a lambda's first call costs a short command its bootstrap.
   */
  private static final class TokenPresence implements Predicate<String> {
    private final CliContext ctx;

    TokenPresence(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public boolean test(String uri) {
      return ctx.tokens().present(uri);
    }
  }
}
