package io.garagehsm.signing;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.pkcs11.BackendKind;
import io.garagehsm.pkcs11.BackendOptions;
import io.garagehsm.pkcs11.KeyAlgorithm;
import io.garagehsm.pkcs11.KeyDescription;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.pkcs11.SignatureAlgorithm;
import io.garagehsm.pkcs11.TokenBackend;
import io.garagehsm.pkcs11.TokenDescription;
import io.garagehsm.pkcs11.TokenException;
import io.garagehsm.pkcs11.TokenKey;
import io.garagehsm.secret.SecretSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keys on PKCS#11 tokens for one CLI invocation: opens signers (checking the token key is the
 * expected one), generates and adopts keys. Backends are opened lazily, once per module, and closed
 * with this object (which logs out and finalises the module).
 */
public final class TokenKeys implements TokenSignerFactory, AutoCloseable {
  private final BackendKind kind;
  private final Path explicitModule;
  private final ModuleLocator locator;
  private final SecretSource pins;
  private final BackendOptions options;
  private final Map<Path, TokenBackend> backends = new LinkedHashMap<>();
  private final List<TokenKey> openKeys = new ArrayList<>();

  /**
   * @param kind backend to use
   * @param explicitModule {@code --module}, or null
   * @param locator finds the module when the URI and {@code --module} name none
   * @param pins where PINs come from (asked only when a login is needed)
   * @param diagnostics warnings (PIN count low, …); never stdout
   * @param allowFinalTry log in even on the final PIN try
   */
  public TokenKeys(
      BackendKind kind,
      Path explicitModule,
      ModuleLocator locator,
      SecretSource pins,
      Consumer<String> diagnostics,
      boolean allowFinalTry) {
    this(kind, explicitModule, locator, pins, diagnostics, allowFinalTry, 0);
  }

  /**
   * As above, with {@code maxSessions} (--max-sessions) bounding the sessions per token; 0 for the
   * default.
   */
  public TokenKeys(
      BackendKind kind,
      Path explicitModule,
      ModuleLocator locator,
      SecretSource pins,
      Consumer<String> diagnostics,
      boolean allowFinalTry,
      int maxSessions) {
    this.kind = kind;
    this.explicitModule = explicitModule;
    this.locator = locator;
    this.pins = pins;
    this.options = new BackendOptions(diagnostics, allowFinalTry, maxSessions);
  }

  /**
   * As above, with all backend options (the wrong-PIN ledger and {@code --retry-pin} among them).
   */
  public TokenKeys(
      BackendKind kind,
      Path explicitModule,
      ModuleLocator locator,
      SecretSource pins,
      BackendOptions options) {
    this.kind = kind;
    this.explicitModule = explicitModule;
    this.locator = locator;
    this.pins = pins;
    this.options = options;
  }

  /** Where PINs come from (for checks of the source; reading one is a login's business). */
  public SecretSource pins() {
    return pins;
  }

  /** Parses {@code --backend}: iaik (default) or sunpkcs11. */
  public static BackendKind backendKind(String name) {
    if (name == null || name.equalsIgnoreCase("iaik")) {
      return BackendKind.IAIK;
    }
    if (name.equalsIgnoreCase("sunpkcs11")) {
      return BackendKind.SUNPKCS11;
    }
    throw new SigningException(
        "unknown PKCS#11 backend '" + name + "'", "use --backend iaik or --backend sunpkcs11");
  }

  /** Parses a key or token URI; the error names it. */
  public static Pkcs11Uri parseUri(String text) {
    try {
      return Pkcs11Uri.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SigningException(
          e.getMessage(), "write it like pkcs11:token=<label>;object=<key>?module-path=<lib.so>");
    }
  }

  /** The backend for the module a URI selects. */
  public TokenBackend backend(Pkcs11Uri uri) {
    Path module = locator.locate(uri, explicitModule);
    return backends.computeIfAbsent(module, m -> TokenBackend.open(kind, m, options));
  }

  /**
   * Whether the token a key URI names is present now. Re-initialises the module first (SoftHSM2 and
   * most modules see inserted or removed tokens only after a fresh C_Initialize), which closes the
   * keys opened so far: call it between signatures, not while a signer is in use.
   */
  public boolean present(String keyUri) {
    Pkcs11Uri uri = parseUri(keyUri);
    Path module = locator.locate(uri, explicitModule);
    TokenBackend old = backends.remove(module);
    if (old != null) {
      for (TokenKey k : openKeys) {
        try {
          k.close();
        } catch (RuntimeException ignored) {
          // the module is finalised next anyway
        }
      }
      openKeys.clear();
      old.close();
    }
    for (TokenDescription t : backend(uri).presentTokens()) {
      boolean label = uri.token().map(l -> l.equals(t.label())).orElse(true);
      boolean serial = uri.serial().map(x -> x.equals(t.serial())).orElse(true);
      if (label && serial && t.flags().tokenInitialized()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Signer open(String keyUri, TufKey expected, String keyName) {
    Pkcs11Uri uri = parseUri(keyUri);
    TokenKey key = backend(uri).openKey(uri, pins.withUriPinSource(uri.pinSource().orElse(null)));
    openKeys.add(key);
    TufKey actual = TufKey.of(key.publicKey());
    if (!actual.equals(expected) && keyName == null) {
      throw new SigningException(
          "token key "
              + uri
              + " is "
              + actual.keyId()
              + ", but the public key given is "
              + expected.keyId(),
          "pass the .pub that belongs to this token key, or fix the URI");
    }
    if (!actual.equals(expected)) {
      throw new SigningException(
          "token key "
              + uri
              + " is "
              + actual.keyId()
              + ", but key '"
              + keyName
              + "' must be "
              + expected.keyId(),
          "the URI selects another key: fix keys/" + keyName + ".pkcs11 or re-adopt the key");
    }
    Pkcs11Uri keyUriFull = key.uri();
    TokenIdentity token =
        new TokenIdentity(
            keyUriFull.token().or(uri::token).orElse("?"),
            keyUriFull
                .serial()
                .or(uri::serial)
                // the token it was found on (no second listing of the module's tokens)
                .orElse(key.tokenSerial().isEmpty() ? null : key.tokenSerial()),
            keyUriFull.model().or(uri::model).orElse(null),
            keyUriFull.manufacturer().or(uri::manufacturer).orElse(null),
            backend(uri).modulePath().toString());
    return new TokenSigner(key, actual, uri.toString(), token);
  }

  /**
   * Generates a key pair on the token as a private, sensitive, non-extractable, sign-only token
   * object labelled {@code label}, and returns its public key and full URI.
   */
  public TokenKeyInfo generate(String tokenUri, String label, KeyType type, int bits) {
    Pkcs11Uri uri = parseUri(tokenUri);
    if (uri.hasObjectSelector()) {
      throw new SigningException(
          "--token must name a token, not a key: " + tokenUri,
          "drop object= and id= (the key name becomes the label)");
    }
    KeyAlgorithm alg = algorithm(type, bits);
    try (TokenKey key =
        backend(uri)
            .generate(uri, label, alg, pins.withUriPinSource(uri.pinSource().orElse(null)))) {
      return new TokenKeyInfo(
          TufKey.of(key.publicKey()), key.uri().toString(), tokenSerial(key.uri()));
    }
  }

  /**
   * The serial number of the token {@code uri} selects, for people (prompts, transcript): the URI's
   * own, else the one present token with the URI's label; null when unknown or ambiguous.
   */
  private String tokenSerial(Pkcs11Uri uri) {
    if (uri.serial().isPresent()) {
      return uri.serial().get();
    }
    try {
      List<String> serials = new ArrayList<>();
      for (TokenDescription t : backend(uri).presentTokens()) {
        if (uri.token().map(l -> l.equals(t.label())).orElse(true)
            && t.serial() != null
            && !t.serial().isEmpty()) {
          serials.add(t.serial());
        }
      }
      return serials.size() == 1 ? serials.get(0) : null;
    } catch (RuntimeException e) {
      return null; // informational only
    }
  }

  /** Reads the public key of an existing token key (created by another tool). */
  public TokenKeyInfo adopt(String keyUri) {
    Pkcs11Uri uri = parseUri(keyUri);
    if (!uri.hasObjectSelector()) {
      throw new SigningException(
          "the URI names no key: " + keyUri, "add object=<label> and/or id=<hex id> to the URI");
    }
    SecretSource uriPins = pins.withUriPinSource(uri.pinSource().orElse(null));
    TokenBackend b = backend(uri);
    List<KeyDescription> found;
    try {
      found = b.keys(uri, null);
      found = matching(found, uri);
      if (found.isEmpty() || found.get(0).publicKey().isEmpty()) {
        // no public object (YubiHSM 2 style): log in and read it from the private key
        found = matching(b.keys(uri, uriPins), uri);
      }
    } catch (TokenException e) {
      throw e;
    }
    if (found.isEmpty()) {
      throw new SigningException(
          "no key matches " + keyUri, "run 'tokens list' to see the keys and their URIs");
    }
    if (found.size() > 1) {
      StringBuilder names = new StringBuilder();
      found.forEach(k -> names.append(names.length() > 0 ? ", " : "").append(k.displayName()));
      throw new SigningException(
          "more than one key matches " + keyUri + ": " + names,
          "add id=<hex id> to the URI to pick one");
    }
    KeyDescription k = found.get(0);
    TufKey pub =
        TufKey.of(
            k.publicKey()
                .orElseThrow(
                    () ->
                        new SigningException(
                            "the token does not reveal the public key of " + keyUri, null)));
    Pkcs11Uri full = uri.tokenPart().withObject(k.label(), k.id());
    return new TokenKeyInfo(pub, full.toString(), tokenSerial(full));
  }

  private static List<KeyDescription> matching(List<KeyDescription> keys, Pkcs11Uri uri) {
    List<KeyDescription> out = new ArrayList<>();
    for (KeyDescription k : keys) {
      boolean labelOk = uri.object().map(o -> o.equals(k.label())).orElse(true);
      boolean idOk = uri.id().map(i -> java.util.Arrays.equals(i, k.id())).orElse(true);
      if (labelOk && idOk) {
        out.add(k);
      }
    }
    return out;
  }

  /** Maps a garage-sign key type and size to a token key algorithm; refuses what devices reject. */
  static KeyAlgorithm algorithm(KeyType type, int bits) {
    return switch (type) {
      case ED25519 -> {
        if (bits != 256) {
          throw new SigningException(
              "Key size too small: Ed25519 keys are 256 bits, not " + bits,
              "omit --keysize for ed25519");
        }
        yield KeyAlgorithm.ED25519;
      }
      case RSA ->
          switch (bits) {
            case 2048 -> KeyAlgorithm.RSA_2048;
            case 3072 -> KeyAlgorithm.RSA_3072;
            case 4096 -> KeyAlgorithm.RSA_4096;
            default ->
                throw new SigningException(
                    "RSA-" + bits + " keys are rejected by aktualizr",
                    "use --keysize 2048, 3072 or 4096");
          };
      case ECPRIME256V1 ->
          throw new SigningException(
              "ECDSA keys cannot sign Uptane metadata", "use -t ed25519 or -t rsa");
    };
  }

  @Override
  public void close() {
    for (TokenKey k : openKeys) {
      try {
        k.close();
      } catch (RuntimeException ignored) {
        // closing continues for the others; the module is finalised below
      }
    }
    openKeys.clear();
    for (TokenBackend b : backends.values()) {
      b.close();
    }
    backends.clear();
  }

  /**
   * A token key's public key and the URI that selects it.
   *
   * @param publicKey the public key read from the token
   * @param uri token part plus object and id
   */
  /**
   * A token key's public key and URI, and the serial number of its token (null when unknown): what
   * a prompt shows when the token must be inserted, never used to select it.
   */
  public record TokenKeyInfo(TufKey publicKey, String uri, String tokenSerial) {
    public TokenKeyInfo(TufKey publicKey, String uri) {
      this(publicKey, uri, null);
    }
  }

  /** A signer over an open token key. */
  private static final class TokenSigner implements Signer {
    private final TokenKey key;
    private final TufKey publicKey;
    private final String location;
    private final TokenIdentity token;

    TokenSigner(TokenKey key, TufKey publicKey, String location, TokenIdentity token) {
      this.key = key;
      this.publicKey = publicKey;
      this.location = location;
      this.token = token;
    }

    @Override
    public java.util.Optional<TokenIdentity> token() {
      return java.util.Optional.of(token);
    }

    @Override
    public TufKey publicKey() {
      return publicKey;
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public byte[] sign(byte[] data) {
      SignatureAlgorithm alg =
          switch (publicKey.type()) {
            case RSA -> SignatureAlgorithm.RSA_PSS_SHA256;
            case ED25519 -> SignatureAlgorithm.ED25519;
            case ECPRIME256V1 ->
                throw new SigningException(
                    location + ": ECDSA keys cannot sign Uptane metadata",
                    "use an Ed25519 or RSA key");
          };
      return key.sign(alg, data);
    }
  }
}
