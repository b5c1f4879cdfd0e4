package io.garagehsm.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.pkcs11.KeyDescription;
import io.garagehsm.pkcs11.MechanismDescription;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.pkcs11.TokenBackend;
import io.garagehsm.pkcs11.TokenDescription;
import io.garagehsm.pkcs11.TokenFlags;
import io.garagehsm.signing.TokenKeys;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokens list}: what a PKCS#11 module offers, without spending a PIN attempt. */
@Command(
    name = "tokens",
    description = "Inspect PKCS#11 modules and tokens.",
    subcommands = {TokensCommand.ListTokens.class})
final class TokensCommand {

  @Command(
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

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    ListTokens(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Pkcs11Uri filter = token == null ? null : TokenKeys.parseUri(token);
      TokenBackend backend = ctx.tokens().backend(filter);
      List<TokenDescription> tokens = new ArrayList<>();
      for (TokenDescription t : backend.tokens()) {
        if (t.flags().tokenInitialized() && matches(filter, t)) {
          tokens.add(t);
        }
      }
      ObjectNode out = MetadataJson.object();
      out.put("module", backend.modulePath().toString());
      out.put("backend", backend.kind().name().toLowerCase(java.util.Locale.ROOT));
      ArrayNode arr = out.putArray("tokens");
      for (TokenDescription t : tokens) {
        arr.add(describe(backend, t));
      }
      if (json) {
        ctx.out().print(MetadataJson.prettyString(out));
        ctx.out().println();
      } else {
        print(out, ctx.out());
      }
      if (tokens.isEmpty()) {
        ctx.warn(
            "no initialised token"
                + (filter == null ? "" : " matches " + token)
                + " in "
                + backend.modulePath());
      }
      return ExitCodes.OK;
    }

    private static boolean matches(Pkcs11Uri f, TokenDescription t) {
      return f == null
          || (f.token().map(t.label()::equals).orElse(true)
              && f.serial().map(t.serial()::equals).orElse(true)
              && f.manufacturer().map(t.manufacturer()::equals).orElse(true)
              && f.model().map(t.model()::equals).orElse(true));
    }

    private static ObjectNode describe(TokenBackend backend, TokenDescription t) {
      ObjectNode o = MetadataJson.object();
      o.put("label", t.label());
      o.put("serial", t.serial());
      o.put("manufacturer", t.manufacturer());
      o.put("model", t.model());
      o.put("uri", t.uri().toString());
      TokenFlags f = t.flags();
      o.put("loginRequired", f.loginRequired());
      o.put("pinPad", f.protectedAuthenticationPath());
      o.put("pinState", pinState(f));
      ArrayNode mechs = o.putArray("mechanisms");
      // the backend reports only the mechanisms garage-hsm uses (PSS, EdDSA, key generation)
      for (MechanismDescription m : t.mechanisms()) {
        mechs.add(
            "CKM_"
                + m.name()
                + (m.maxKeySize() > 0 ? " (" + m.minKeySize() + "-" + m.maxKeySize() + ")" : ""));
      }
      ArrayNode keys = o.putArray("keys");
      for (KeyDescription k : backend.keys(t.uri())) {
        ObjectNode kn = MetadataJson.object();
        kn.put("label", k.label());
        kn.put("id", k.idHex());
        kn.put("type", k.keyType().name() + (k.bits() > 0 ? "-" + k.bits() : ""));
        kn.put("uri", k.uri().toString());
        k.publicKey().ifPresent(p -> kn.put("keyid", TufKey.of(p).keyId()));
        if (k.rsaSigningPathOrNull() != null) {
          // how RSASSA-PSS is made: a PSS mechanism, or raw RSA with EMSA-PSS on the host
          kn.put("signs", k.rsaSigningPathOrNull().display());
        }
        keys.add(kn);
      }
      return o;
    }

    static String pinState(TokenFlags f) {
      if (f.userPinLocked()) {
        return "LOCKED (the security officer must unblock it)";
      }
      if (f.userPinFinalTry()) {
        return "FINAL TRY (one more wrong PIN locks it)";
      }
      if (f.userPinCountLow()) {
        return "count low (a wrong PIN was entered recently)";
      }
      return f.userPinInitialized() ? "ok" : "not initialised";
    }

    private static void print(ObjectNode o, PrintStream out) {
      StringBuilder b = new StringBuilder();
      b.append("module: ").append(TerminalText.escape(o.get("module").asText()));
      b.append(" (backend ").append(o.get("backend").asText()).append(")\n");
      for (var t : o.get("tokens")) {
        b.append("\ntoken '").append(TerminalText.escape(t.get("label").asText())).append("'\n");
        b.append("  serial:       ")
            .append(TerminalText.escape(t.get("serial").asText()))
            .append('\n');
        b.append("  manufacturer: ")
            .append(TerminalText.escape(t.get("manufacturer").asText()))
            .append('\n');
        b.append("  model:        ")
            .append(TerminalText.escape(t.get("model").asText()))
            .append('\n');
        b.append("  uri:          ").append(t.get("uri").asText()).append('\n');
        b.append("  login:        ")
            .append(t.get("loginRequired").asBoolean() ? "required" : "not required")
            .append(t.get("pinPad").asBoolean() ? ", PIN pad" : "")
            .append('\n');
        b.append("  user PIN:     ").append(t.get("pinState").asText()).append('\n');
        b.append("  mechanisms:   ");
        List<String> ms = new ArrayList<>();
        t.get("mechanisms").forEach(m -> ms.add(m.asText()));
        b.append(ms.isEmpty() ? "none that garage-hsm uses" : String.join(", ", ms)).append('\n');
        if (t.get("keys").isEmpty()) {
          b.append("  keys:         none visible without login\n");
        }
        for (var k : t.get("keys")) {
          b.append("  key '")
              .append(TerminalText.escape(k.get("label").asText()))
              .append("' ")
              .append(k.get("type").asText())
              .append('\n');
          b.append("    uri:   ").append(k.get("uri").asText()).append('\n');
          if (k.has("keyid")) {
            b.append("    keyid: ").append(k.get("keyid").asText()).append('\n');
          }
          if (k.has("signs")) {
            b.append("    signs: RSA-PSS via ").append(k.get("signs").asText()).append('\n');
          }
        }
      }
      // token and key labels come from the device: escaped like every other input
      byte[] text = b.toString().getBytes(StandardCharsets.UTF_8);
      out.write(text, 0, text.length);
      out.flush();
    }
  }
}
