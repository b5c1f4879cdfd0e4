package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.tokens.TokenListing;
import io.garagehsm.pkcs11.KeyDescription;
import io.garagehsm.pkcs11.MechanismDescription;
import io.garagehsm.pkcs11.TokenDescription;
import io.garagehsm.pkcs11.TokenFlags;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokens list}: what a PKCS#11 module offers, without spending a PIN attempt. */
@Command(
    addMethodSubcommands = false,
    name = "tokens",
    description = "Inspect PKCS#11 modules and tokens.")
final class TokensCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(TokensCommand.ListTokens.class);

  @Command(
      addMethodSubcommands = false,
      name = "list",
      description = {
        "List the module's tokens (label, serial, model, flags, PIN state), the mechanisms that"
            + " matter (RSA-PSS, EdDSA, key generation) and the keys with their pkcs11: URIs and"
            + " Uptane key IDs.",
        "Never logs in: no PIN attempt is spent. Keys without a public object (YubiHSM 2) show"
            + " up only with 'key adopt'."
      })
  static final class ListTokens implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = "--token",
        paramLabel = "<pkcs11 URI>",
        description = "Only tokens matching this URI; its module-path picks the module.")
    String token;

    @Option(
        names = "--json",
        description =
            "Print JSON instead of text; mechanisms are objects (name, code, minKeySize,"
                + " maxKeySize, flags).")
    boolean json;

    ListTokens(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      TokenListing.Result result = new TokenListing(ctx.tokens(), ctx.env()).run(token);
      if (json) {
        ctx.out().print(new String(MetadataJson.pretty(result.toJson()), StandardCharsets.UTF_8));
        ctx.out().println();
      } else {
        print(result);
      }
      result.noTokenWarning().ifPresent(ctx::warn);
      result.noTokenHint().ifPresent(h -> ctx.err().println("hint: " + TerminalText.escape(h)));
      return ExitCodes.OK;
    }

    private void print(TokenListing.Result r) {
      StringBuilder b = new StringBuilder();
      b.append("module: ")
          .append(esc(r.module().toString()))
          .append(" (backend ")
          .append(r.backend())
          .append(")\n");
      for (TokenListing.ListedToken lt : r.tokens()) {
        TokenDescription t = lt.token();
        TokenFlags f = t.flags();
        b.append("\ntoken '").append(esc(t.label())).append("'\n");
        line(b, "serial", t.serial());
        line(b, "manufacturer", t.manufacturer());
        line(b, "model", t.model());
        line(b, "uri", t.uri().toString());
        String login = f.loginRequired() ? "required" : "not required";
        line(b, "login", login + (f.protectedAuthenticationPath() ? ", PIN pad" : ""));
        line(b, "user PIN", TokenListing.pinState(f));
        List<String> ms = new ArrayList<>();
        for (MechanismDescription m : t.mechanisms()) {
          ms.add(TokenListing.mechanismText(m));
        }
        line(b, "mechanisms", ms.isEmpty() ? "none that garage-hsm uses" : String.join(", ", ms));
        if (lt.keys().isEmpty()) {
          line(b, "keys", "none visible without login");
        }
        for (KeyDescription k : lt.keys()) {
          b.append("  key '")
              .append(esc(k.label()))
              .append("' ")
              .append(TokenListing.keyTypeText(k));
          b.append("\n    uri:   ").append(k.uri()).append('\n');
          TokenListing.keyId(k).ifPresent(id -> b.append("    keyid: ").append(id).append('\n'));
          if (k.rsaSigningPathOrNull() != null) {
            b.append("    signs: RSA-PSS via ")
                .append(k.rsaSigningPathOrNull().display())
                .append('\n');
          }
        }
      }
      byte[] text = b.toString().getBytes(StandardCharsets.UTF_8);
      ctx.out().write(text, 0, text.length);
      ctx.out().flush();
    }

    private static void line(StringBuilder b, String name, String value) {
      b.append("  ").append(String.format("%-14s", name + ":")).append(esc(value)).append('\n');
    }

    /** Labels and serials come from the device: escaped like every other input. */
    private static String esc(String s) {
      return TerminalText.escape(s);
    }
  }
}
