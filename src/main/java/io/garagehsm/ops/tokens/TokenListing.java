package io.garagehsm.ops.tokens;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tokens list}: the initialised tokens of a module with their flags, the mechanisms that
 * matter and the keys visible without login. Never logs in, so no PIN attempt is spent.
 */
public final class TokenListing {
  private final TokenKeys tokens;
  private final Map<String, String> env;

  /** {@code env} is the invocation's environment (for the no-token hint). */
  public TokenListing(TokenKeys tokens, Map<String, String> env) {
    this.tokens = tokens;
    this.env = Map.copyOf(env);
  }

  /**
   * One token and its keys.
   *
   * @param token as the module describes it
   * @param keys key pairs with a public object (no login)
   */
  public record ListedToken(TokenDescription token, List<KeyDescription> keys) {
    public ListedToken {
      keys = List.copyOf(keys);
    }
  }

  /**
   * What was found.
   *
   * @param module the module's path
   * @param backend {@code iaik} or {@code sunpkcs11}
   * @param filter the {@code --token} URI, or null
   * @param tokens the initialised tokens matching the filter
   * @param noTokenHint why none shows and what to try, when {@code tokens} is empty
   */
  public record Result(
      Path module,
      String backend,
      String filter,
      List<ListedToken> tokens,
      Optional<String> noTokenHint) {

    public Result {
      tokens = List.copyOf(tokens);
    }

    /** The warning when no token matched, else empty. */
    public Optional<String> noTokenWarning() {
      if (!tokens.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          "no initialised token" + (filter == null ? "" : " matches " + filter) + " in " + module);
    }

    /** {@code tokens list --json}. */
    public ObjectNode toJson() {
      ObjectNode out = MetadataJson.object();
      out.put("module", module.toString());
      out.put("backend", backend);
      ArrayNode arr = out.putArray("tokens");
      for (ListedToken t : tokens) {
        arr.add(tokenJson(t));
      }
      return out;
    }
  }

  /** Lists the tokens matching {@code filterUri} (all when null). */
  public Result run(String filterUri) {
    Pkcs11Uri filter = filterUri == null ? null : TokenKeys.parseUri(filterUri);
    TokenBackend backend = tokens.backend(filter);
    List<ListedToken> found = new ArrayList<>();
    for (TokenDescription t : backend.tokens()) {
      if (t.flags().tokenInitialized() && matches(filter, t)) {
        found.add(new ListedToken(t, backend.keys(t.uri())));
      }
    }
    return new Result(
        backend.modulePath(),
        backend.kind().name().toLowerCase(Locale.ROOT),
        filterUri,
        found,
        found.isEmpty()
            ? Optional.of(ModuleHints.noToken(backend.modulePath(), env))
            : Optional.empty());
  }

  static boolean matches(Pkcs11Uri f, TokenDescription t) {
    return f == null
        || (f.token().map(t.label()::equals).orElse(true)
            && f.serial().map(t.serial()::equals).orElse(true)
            && f.manufacturer().map(t.manufacturer()::equals).orElse(true)
            && f.model().map(t.model()::equals).orElse(true));
  }

  /** The user PIN state in words. */
  public static String pinState(TokenFlags f) {
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

  /** {@code CKM_RSA_PKCS_PSS (512-16384)}: a mechanism for people. */
  public static String mechanismText(MechanismDescription m) {
    return "CKM_"
        + m.name()
        + (m.maxKeySize() > 0 ? " (" + m.minKeySize() + "-" + m.maxKeySize() + ")" : "");
  }

  /** The key's type and size, e.g. {@code RSA-2048} or {@code ED25519}. */
  public static String keyTypeText(KeyDescription k) {
    return k.keyType().name() + (k.bits() > 0 ? "-" + k.bits() : "");
  }

  /** The Uptane key ID of a listed key, when its public key is visible. */
  public static Optional<String> keyId(KeyDescription k) {
    return k.publicKey().map(p -> TufKey.of(p).keyId());
  }

  private static ObjectNode tokenJson(ListedToken lt) {
    TokenDescription t = lt.token();
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
      mechs.add(mechanismJson(m));
    }
    ArrayNode keys = o.putArray("keys");
    for (KeyDescription k : lt.keys()) {
      ObjectNode kn = keys.addObject();
      kn.put("label", k.label());
      kn.put("id", k.idHex());
      kn.put("type", keyTypeText(k));
      kn.put("uri", k.uri().toString());
      keyId(k).ifPresent(id -> kn.put("keyid", id));
      if (k.rsaSigningPathOrNull() != null) {
        // how RSASSA-PSS is made: a PSS mechanism, or raw RSA with EMSA-PSS on the host
        kn.put("signs", k.rsaSigningPathOrNull().display());
      }
    }
    return o;
  }

  /** {@code {"name":"CKM_EDDSA","code":4183,"minKeySize":…,"maxKeySize":…,"flags":[…]}}. */
  static ObjectNode mechanismJson(MechanismDescription m) {
    ObjectNode o = MetadataJson.object();
    o.put("name", "CKM_" + m.name());
    o.put("code", m.code());
    o.put("minKeySize", m.minKeySize());
    o.put("maxKeySize", m.maxKeySize());
    ArrayNode flags = o.putArray("flags");
    if (m.sign()) {
      flags.add("CKF_SIGN");
    }
    if (m.generateKeyPair()) {
      flags.add("CKF_GENERATE_KEY_PAIR");
    }
    return o;
  }
}
