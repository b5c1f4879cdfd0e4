package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_PARAMS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_ID;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_KEY_TYPE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_MODULUS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_PRIVATE_EXPONENT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_PUBLIC_EXPONENT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC_EDWARDS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_RSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_ECDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EC_EDWARDS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EC_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_PSS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_RSA_PKCS_PSS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_CONTEXT_SPECIFIC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import iaik.pkcs.pkcs11.wrapper.CK_ATTRIBUTE;
import iaik.pkcs.pkcs11.wrapper.CK_MECHANISM_INFO;
import io.garagehsm.secret.Secret;
import io.garagehsm.secret.SecretSource;
import io.garagehsm.secret.SecretUnavailableException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.KeyPairTemplate;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.ModuleInfo;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11KeyPair;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.TokenInfo;

/**
 * The default backend, on org.xipki ipkcs11wrapper. Uses plain sessions (no session pool), one per
 * opened key, and only single-part C_Sign.
 */
class IaikTokenBackend implements TokenBackend {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_OBJECTS = 10_000;
  private static final long CKF_SIGN = 0x800L;
  private static final long CKF_GENERATE_KEY_PAIR = 0x10000L;
  private static final long CKR_USER_ALREADY_LOGGED_IN = 0x100L;
  private static final byte[] ED25519_OID = HexFormat.of().parseHex("06032b6570");

  /** The mechanisms worth listing for this tool, in display order. */
  private static final Map<Long, String> MECHANISMS_THAT_MATTER = new LinkedHashMap<>();

  static {
    MECHANISMS_THAT_MATTER.put(CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA_PKCS_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_RSA_PKCS_PSS, "RSA_PKCS_PSS");
    MECHANISMS_THAT_MATTER.put(CKM_SHA256_RSA_PKCS_PSS, "SHA256_RSA_PKCS_PSS");
    MECHANISMS_THAT_MATTER.put(CKM_EC_EDWARDS_KEY_PAIR_GEN, "EC_EDWARDS_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_EDDSA, "EDDSA");
    MECHANISMS_THAT_MATTER.put(CKM_EC_KEY_PAIR_GEN, "EC_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_ECDSA, "ECDSA");
  }

  private final Path modulePath;
  private final BackendOptions options;
  private final PKCS11Module module;
  private final List<IaikTokenKey> openKeys = new ArrayList<>();
  private boolean closed;

  /** A token found in a slot. */
  record FoundToken(Slot slot, TokenDescription description) {
    long slotId() {
      return slot.getSlotID();
    }

    String label() {
      return description.label();
    }
  }

  /** A private key located in a logged-in session, with what is known about it. */
  @SuppressWarnings("ArrayRecordComponent") // internal value, never compared or hashed
  record LocatedKey(
      long privateHandle,
      String label,
      byte[] id,
      KeyType keyType,
      PublicKey publicKey,
      boolean alwaysAuthenticate) {}

  IaikTokenBackend(Path modulePath, BackendOptions options, boolean sharedWithSunPkcs11) {
    this.modulePath = modulePath;
    this.options = options;
    this.module = LoadedModules.acquire(modulePath);
    if (sharedWithSunPkcs11) {
      LoadedModules.pin(modulePath);
    }
  }

  @Override
  public BackendKind kind() {
    return BackendKind.IAIK;
  }

  @Override
  public Path modulePath() {
    return modulePath;
  }

  BackendOptions options() {
    return options;
  }

  PKCS11Module module() {
    return module;
  }

  // ---- tokens ----------------------------------------------------------------------------

  @Override
  public List<TokenDescription> tokens() {
    ensureOpen();
    return findTokens(true).stream().map(FoundToken::description).toList();
  }

  List<FoundToken> findTokens(boolean withMechanisms) {
    Slot[] slots;
    try {
      slots = module.getSlotList(true);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "cannot list the slots of module " + modulePath);
    }
    List<FoundToken> found = new ArrayList<>();
    for (Slot slot : slots) {
      TokenInfo info;
      try {
        info = slot.getToken().getTokenInfo();
      } catch (PKCS11Exception e) {
        // A slot whose token vanished or errs is skipped rather than failing the whole listing.
        options
            .diagnostics()
            .accept(
                "note: slot "
                    + slot.getSlotID()
                    + " skipped ("
                    + Pkcs11Errors.ckrName(e.getErrorCode())
                    + ")");
        continue;
      }
      found.add(new FoundToken(slot, describe(slot, info, withMechanisms)));
    }
    return found;
  }

  private TokenDescription describe(Slot slot, TokenInfo info, boolean withMechanisms) {
    String label = strip(info.getLabel());
    String serial = strip(info.getSerialNumber());
    String manufacturer = strip(info.getManufacturerID());
    String model = strip(info.getModel());
    List<MechanismDescription> mechanisms =
        withMechanisms ? mechanisms(slot.getSlotID()) : List.of();
    Pkcs11Uri uri =
        Pkcs11Uri.empty()
            .with("token", label.isEmpty() ? null : label)
            .with("manufacturer", manufacturer.isEmpty() ? null : manufacturer)
            .with("serial", serial.isEmpty() ? null : serial)
            .with("model", model.isEmpty() ? null : model)
            .withQuery("module-path", modulePath.toString());
    return new TokenDescription(
        label,
        serial,
        manufacturer,
        model,
        slot.getSlotID(),
        TokenFlags.fromBits(info.getFlags()),
        mechanisms,
        uri);
  }

  private List<MechanismDescription> mechanisms(long slotId) {
    List<MechanismDescription> result = new ArrayList<>();
    long[] offered;
    try {
      offered = module.getPKCS11Module().C_GetMechanismList(slotId);
    } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
      return result;
    }
    for (Map.Entry<Long, String> m : MECHANISMS_THAT_MATTER.entrySet()) {
      if (!contains(offered, m.getKey())) {
        continue;
      }
      try {
        CK_MECHANISM_INFO info = module.getPKCS11Module().C_GetMechanismInfo(slotId, m.getKey());
        result.add(
            new MechanismDescription(
                m.getValue(),
                m.getKey(),
                info.ulMinKeySize,
                info.ulMaxKeySize,
                (info.flags & CKF_SIGN) != 0,
                (info.flags & CKF_GENERATE_KEY_PAIR) != 0));
      } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
        // Listed but not describable: leave it out rather than guess its limits.
      }
    }
    return result;
  }

  private static boolean contains(long[] values, long wanted) {
    for (long v : values) {
      if (v == wanted) {
        return true;
      }
    }
    return false;
  }

  /** Selects exactly one initialised token by the URI's token attributes. */
  FoundToken selectToken(Pkcs11Uri uri) {
    ensureOpen();
    List<FoundToken> all = findTokens(false);
    List<FoundToken> initialized =
        all.stream().filter(t -> t.description().flags().tokenInitialized()).toList();
    if (uri.slotId().isPresent() && !uri.hasTokenSelector()) {
      throw new TokenException(
          TokenException.Category.TOKEN_NOT_FOUND,
          "selecting a token by slot-id is refused: slot IDs change (SoftHSM2 assigns random ones)",
          null,
          "select it with token=<label> or serial=<serial>; tokens: " + listTokens(initialized),
          null);
    }
    checkLibraryAttributes(uri);
    List<FoundToken> matches =
        initialized.stream().filter(t -> matches(uri, t.description())).toList();
    if (matches.isEmpty()) {
      throw new TokenException(
          TokenException.Category.TOKEN_NOT_FOUND,
          "no token matches "
              + uri.tokenPart().withoutQuery()
              + " in module "
              + modulePath
              + "; tokens present: "
              + listTokens(initialized),
          null,
          initialized.isEmpty()
              ? "initialise a token first (SoftHSM2: softhsm2-util --init-token --free --label <label>)"
              : "use one of the listed labels or serials",
          null);
    }
    if (matches.size() > 1) {
      throw new TokenException(
          TokenException.Category.TOKEN_AMBIGUOUS,
          "more than one token matches "
              + uri.tokenPart().withoutQuery()
              + ": "
              + listTokens(matches),
          null,
          "add serial=<serial> to the pkcs11: URI",
          null);
    }
    return matches.get(0);
  }

  static boolean matches(Pkcs11Uri uri, TokenDescription token) {
    return uri.token().map(v -> v.equals(token.label())).orElse(true)
        && uri.serial().map(v -> v.equals(token.serial())).orElse(true)
        && uri.manufacturer().map(v -> v.equals(token.manufacturer())).orElse(true)
        && uri.model().map(v -> v.equals(token.model())).orElse(true);
  }

  private static String listTokens(List<FoundToken> tokens) {
    if (tokens.isEmpty()) {
      return "none";
    }
    return tokens.stream()
        .map(t -> t.description().displayName())
        .collect(Collectors.joining(", "));
  }

  private void checkLibraryAttributes(Pkcs11Uri uri) {
    if (uri.libraryManufacturer().isEmpty()
        && uri.libraryDescription().isEmpty()
        && uri.libraryVersion().isEmpty()) {
      return;
    }
    ModuleInfo info;
    try {
      info = module.getInfo();
    } catch (org.xipki.pkcs11.wrapper.TokenException e) {
      throw new TokenException(
          TokenException.Category.DEVICE, "C_GetInfo failed for module " + modulePath);
    }
    String manufacturer = strip(info.getManufacturerID());
    String description = strip(info.getLibraryDescription());
    String version =
        (info.getLibraryVersion().getMajor() & 0xff)
            + "."
            + (info.getLibraryVersion().getMinor() & 0xff);
    check(uri.libraryManufacturer(), manufacturer, "library-manufacturer");
    check(uri.libraryDescription(), description, "library-description");
    if (uri.libraryVersion().isPresent()) {
      String wanted = uri.libraryVersion().get();
      boolean ok = wanted.contains(".") ? wanted.equals(version) : version.startsWith(wanted + ".");
      if (!ok) {
        throw mismatch("library-version", wanted, version);
      }
    }
  }

  private void check(Optional<String> wanted, String actual, String attribute) {
    if (wanted.isPresent() && !wanted.get().equals(actual)) {
      throw mismatch(attribute, wanted.get(), actual);
    }
  }

  private TokenException mismatch(String attribute, String wanted, String actual) {
    return new TokenException(
        TokenException.Category.TOKEN_NOT_FOUND,
        "module "
            + modulePath
            + " has "
            + attribute
            + " '"
            + actual
            + "', the pkcs11: URI asks for '"
            + wanted
            + "'");
  }

  // ---- sessions and login -----------------------------------------------------------------

  Session openSession(FoundToken token, boolean readWrite) {
    try {
      return token.slot().getToken().openSession(readWrite);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "cannot open a session on token '" + token.label() + "'");
    }
  }

  /**
   * Logs the user in when the token requires it, after checking the PIN counters: warns when low,
   * refuses the final try unless allowed, explains a locked PIN. A PIN-pad reader gets a null PIN.
   */
  synchronized void login(Session session, FoundToken token, Pkcs11Uri uri, SecretSource pins) {
    TokenFlags flags = currentFlags(token);
    if (!flags.loginRequired()) {
      return;
    }
    checkPinCounters(token.label(), flags, options);
    try {
      if (flags.protectedAuthenticationPath()) {
        options
            .diagnostics()
            .accept("enter the user PIN of token '" + token.label() + "' on the PIN pad");
        session.login(CKU_USER, null);
      } else {
        try (Secret pin = secret(pins, uri, "user PIN for token '" + token.label() + "'")) {
          session.login(CKU_USER, pin.chars());
        }
      }
    } catch (PKCS11Exception e) {
      if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
        throw loginFailure(e, token);
      }
    }
    LoadedModules.loginAcquired(modulePath, token.slotId());
  }

  /** Context-specific login for a CKA_ALWAYS_AUTHENTICATE key, after C_SignInit. */
  void contextLogin(
      Session session, FoundToken token, Pkcs11Uri uri, SecretSource pins, String keyLabel) {
    TokenFlags flags = currentFlags(token);
    checkPinCounters(token.label(), flags, options);
    try {
      if (flags.protectedAuthenticationPath()) {
        options
            .diagnostics()
            .accept("confirm the signature with key '" + keyLabel + "' on the PIN pad");
        session.login(CKU_CONTEXT_SPECIFIC, null);
      } else {
        String purpose =
            "user PIN for key '"
                + keyLabel
                + "' on token '"
                + token.label()
                + "' (needed per signature)";
        try (Secret pin = secret(pins, uri, purpose)) {
          session.login(CKU_CONTEXT_SPECIFIC, pin.chars());
        }
      }
    } catch (PKCS11Exception e) {
      throw loginFailure(e, token);
    }
  }

  void logout(Session session, long slotId) {
    if (!LoadedModules.loginReleased(modulePath, slotId)) {
      return;
    }
    try {
      session.logout();
    } catch (PKCS11Exception e) {
      // Logging out a session that is already logged out or gone is harmless.
    }
  }

  private Secret secret(SecretSource pins, Pkcs11Uri uri, String purpose) {
    SecretSource source = pins == null ? SecretSource.none() : pins;
    try {
      return source.withUriPinSource(uri.pinSource().orElse(null)).secret(purpose);
    } catch (SecretUnavailableException e) {
      throw new TokenException(
          TokenException.Category.PIN_UNAVAILABLE,
          e.getMessage(),
          null,
          "supply a PIN with --pin-file <path>, --pin-env <NAME>, pin-source=file:<path> in the"
              + " pkcs11: URI, or GARAGE_HSM_PIN",
          e);
    }
  }

  private TokenFlags currentFlags(FoundToken token) {
    try {
      return TokenFlags.fromBits(token.slot().getToken().getTokenInfo().getFlags());
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "cannot read the state of token '" + token.label() + "'");
    }
  }

  /** Before any login: refuse a locked PIN or the final try (unless allowed), warn when low. */
  static void checkPinCounters(String tokenLabel, TokenFlags flags, BackendOptions options) {
    if (flags.userPinLocked()) {
      throw new TokenException(
          TokenException.Category.PIN_LOCKED,
          "the user PIN of token '" + tokenLabel + "' is locked (CKF_USER_PIN_LOCKED)",
          "CKR_PIN_LOCKED",
          Pkcs11Errors.PIN_LOCKED_HINT,
          null);
    }
    if (flags.userPinFinalTry() && !options.allowFinalTry()) {
      throw new TokenException(
          TokenException.Category.PIN_FINAL_TRY,
          "token '"
              + tokenLabel
              + "' says one more wrong user PIN locks it (CKF_USER_PIN_FINAL_TRY); not trying",
          null,
          "make sure the PIN source is right, then allow the final try explicitly"
              + " (--allow-final-pin-try)",
          null);
    }
    if (flags.userPinCountLow()) {
      options
          .diagnostics()
          .accept(
              "warning: token '"
                  + tokenLabel
                  + "' reports failed user PIN attempts (CKF_USER_PIN_COUNT_LOW); a few more wrong"
                  + " PINs will lock it");
    }
  }

  private TokenException loginFailure(PKCS11Exception e, FoundToken token) {
    TokenException t = Pkcs11Errors.translate(e, "login to token '" + token.label() + "' failed");
    if (t.category() == TokenException.Category.PIN_INCORRECT) {
      TokenFlags after = currentFlags(token);
      String state =
          after.userPinLocked()
              ? "; the PIN is now locked"
              : after.userPinFinalTry() ? "; one more wrong PIN will lock it" : "";
      return new TokenException(
          t.category(),
          "wrong user PIN for token '" + token.label() + "' (CKR_PIN_INCORRECT)" + state,
          t.ckrName().orElse(null),
          t.hint().orElse(null),
          e);
    }
    return t;
  }

  // ---- keys ------------------------------------------------------------------------------

  @Override
  public List<KeyDescription> keys(Pkcs11Uri token) {
    return keys(token, null);
  }

  @Override
  public List<KeyDescription> keys(Pkcs11Uri tokenUri, SecretSource pinsOrNull) {
    FoundToken token = selectToken(tokenUri);
    Session session = openSession(token, false);
    boolean loggedIn = false;
    try {
      if (pinsOrNull != null) {
        login(session, token, tokenUri, pinsOrNull);
        loggedIn = true;
      }
      Pkcs11Uri base = tokenUri.tokenPart();
      Map<String, KeyDescription> byIdAndLabel = new LinkedHashMap<>();
      for (long handle : find(session, AttributeVector.newPublicKey())) {
        KeyDescription d = describeKeyObject(session, handle, base, true);
        byIdAndLabel.putIfAbsent(d.idHex() + "/" + d.label(), d);
      }
      boolean sawPublic = !byIdAndLabel.isEmpty();
      if (loggedIn) {
        for (long handle : find(session, AttributeVector.newPrivateKey())) {
          KeyDescription d = describeKeyObject(session, handle, base, false);
          byIdAndLabel.putIfAbsent(d.idHex() + "/" + d.label(), d);
        }
      } else if (!sawPublic) {
        options
            .diagnostics()
            .accept(
                "note: token '"
                    + token.label()
                    + "' shows no public-key objects without login; some tokens (e.g. YubiHSM 2)"
                    + " keep none. Supply a PIN to list its private keys.");
      }
      return List.copyOf(byIdAndLabel.values());
    } finally {
      if (loggedIn) {
        logout(session, token.slotId());
      }
      closeQuietly(session);
    }
  }

  long[] find(Session session, AttributeVector template) {
    try {
      return session.findObjectsSingle(template, MAX_OBJECTS);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "C_FindObjects failed");
    }
  }

  /** Describes a public- or private-key object; the public key is null when not derivable. */
  private KeyDescription describeKeyObject(
      Session session, long handle, Pkcs11Uri tokenBase, boolean isPublic) {
    AttributeVector a = attributes(session, handle, CKA_LABEL, CKA_ID, CKA_KEY_TYPE);
    String label = a.label() == null ? "" : a.label();
    byte[] id = a.id() == null ? new byte[0] : a.id();
    KeyType type = KeyType.OTHER;
    int bits = 0;
    PublicKey publicKey = null;
    try {
      publicKey = readPublicKey(session, handle, a.keyType(), isPublic);
      type = keyTypeOf(a.keyType(), session, handle);
      bits = bitsOf(publicKey, type);
    } catch (TokenException e) {
      type = a.keyType() == null ? KeyType.OTHER : keyTypeOf(a.keyType(), session, handle);
    }
    return new KeyDescription(
        label,
        HexFormat.of().formatHex(id),
        type,
        bits,
        publicKey,
        tokenBase.withObject(label, id));
  }

  private KeyType keyTypeOf(Long ckk, Session session, long handle) {
    if (ckk == null) {
      return KeyType.OTHER;
    }
    if (ckk == CKK_RSA) {
      return KeyType.RSA;
    }
    if (ckk == CKK_EC_EDWARDS || ckk == CKK_EC) {
      KeyType t = PublicKeyDecoder.ecKeyType(attributes(session, handle, CKA_EC_PARAMS).ecParams());
      return ckk == CKK_EC_EDWARDS && t == KeyType.OTHER ? KeyType.OTHER : t;
    }
    return KeyType.OTHER;
  }

  private static int bitsOf(PublicKey key, KeyType type) {
    if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
      return rsa.getModulus().bitLength();
    }
    return switch (type) {
      case ED25519, EC_P256 -> 256;
      default -> 0;
    };
  }

  /**
   * Reads the public key from a public-key object, or from a private key's public attributes (RSA
   * modulus and exponent; CKA_EC_POINT where the module keeps it on the private key).
   */
  private PublicKey readPublicKey(Session session, long handle, Long ckk, boolean isPublic) {
    if (ckk == null) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED, "key has no CKA_KEY_TYPE");
    }
    if (ckk == CKK_RSA) {
      AttributeVector a = attributes(session, handle, CKA_MODULUS, CKA_PUBLIC_EXPONENT);
      BigInteger n = a.modulus();
      BigInteger e = a.publicExponent();
      if (n == null || e == null) {
        throw new TokenException(
            TokenException.Category.KEY_TYPE_UNSUPPORTED,
            "the RSA " + (isPublic ? "public" : "private") + " key reveals no modulus/exponent");
      }
      return PublicKeyDecoder.rsa(n, e);
    }
    if (ckk == CKK_EC || ckk == CKK_EC_EDWARDS) {
      AttributeVector a = attributes(session, handle, CKA_EC_PARAMS, CKA_EC_POINT);
      if (a.ecPoint() == null) {
        throw new TokenException(
            TokenException.Category.KEY_TYPE_UNSUPPORTED, "the EC key reveals no CKA_EC_POINT");
      }
      return PublicKeyDecoder.ec(a.ecParams(), a.ecPoint());
    }
    throw new TokenException(
        TokenException.Category.KEY_TYPE_UNSUPPORTED,
        "unsupported key type "
            + org.xipki.pkcs11.wrapper.PKCS11Constants.codeToName(
                org.xipki.pkcs11.wrapper.PKCS11Constants.Category.CKK, ckk));
  }

  AttributeVector attributes(Session session, long handle, long... types) {
    try {
      return session.getAttrValues(handle, types);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "C_GetAttributeValue failed");
    }
  }

  // ---- open ------------------------------------------------------------------------------

  @Override
  public TokenKey openKey(Pkcs11Uri keyUri, SecretSource pins) {
    return openIaikKey(keyUri, pins);
  }

  IaikTokenKey openIaikKey(Pkcs11Uri keyUri, SecretSource pins) {
    if (!keyUri.hasObjectSelector()) {
      throw new TokenException(
          TokenException.Category.KEY_NOT_FOUND,
          "the pkcs11: URI names no key: add object=<label> and/or id=<bytes, percent-encoded>",
          null,
          "list the token's keys to see their labels and ids",
          null);
    }
    FoundToken token = selectToken(keyUri);
    Session session = openSession(token, false);
    boolean loggedIn = false;
    try {
      login(session, token, keyUri, pins);
      loggedIn = true;
      LocatedKey key = locatePrivateKey(session, token, keyUri);
      return register(session, token, keyUri, pins, key);
    } catch (RuntimeException e) {
      if (loggedIn) {
        logout(session, token.slotId());
      }
      closeQuietly(session);
      throw e;
    }
  }

  private synchronized IaikTokenKey register(
      Session session, FoundToken token, Pkcs11Uri uri, SecretSource pins, LocatedKey key) {
    Pkcs11Uri keyUri = uri.withObject(key.label(), key.id());
    IaikTokenKey opened = new IaikTokenKey(this, session, token, keyUri, pins, key);
    openKeys.add(opened);
    return opened;
  }

  LocatedKey locatePrivateKey(Session session, FoundToken token, Pkcs11Uri uri) {
    AttributeVector template = AttributeVector.newPrivateKey();
    uri.object().ifPresent(template::label);
    uri.id().ifPresent(template::id);
    long[] handles = find(session, template);
    if (handles.length == 0) {
      throw new TokenException(
          TokenException.Category.KEY_NOT_FOUND,
          "no private key matches "
              + describeSelector(uri)
              + " on token '"
              + token.label()
              + "'; keys present: "
              + listKeys(session),
          null,
          "check object=/id= in the pkcs11: URI",
          null);
    }
    if (handles.length > 1) {
      List<String> names = new ArrayList<>();
      for (long h : handles) {
        names.add(describeKeyObject(session, h, uri.tokenPart(), false).displayName());
      }
      throw new TokenException(
          TokenException.Category.KEY_AMBIGUOUS,
          "more than one private key matches "
              + describeSelector(uri)
              + " on token '"
              + token.label()
              + "': "
              + String.join(", ", names),
          null,
          "add id=<bytes, percent-encoded> to the pkcs11: URI",
          null);
    }
    long handle = handles[0];
    AttributeVector a =
        attributes(
            session,
            handle,
            CKA_LABEL,
            CKA_ID,
            CKA_KEY_TYPE,
            org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_ALWAYS_AUTHENTICATE);
    String label = a.label() == null ? "" : a.label();
    byte[] id = a.id() == null ? new byte[0] : a.id();
    PublicKey publicKey = publicKeyFor(session, handle, a.keyType(), label, id);
    KeyType type = keyTypeOf(a.keyType(), session, handle);
    if (type == KeyType.OTHER) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "key '" + label + "' is of a type this tool cannot use (RSA, Ed25519 and P-256 only)");
    }
    return new LocatedKey(
        handle, label, id, type, publicKey, Boolean.TRUE.equals(a.alwaysAuthenticate()));
  }

  /**
   * The public key: from the CKO_PUBLIC_KEY with the same CKA_ID (and label), else the private key.
   */
  private PublicKey publicKeyFor(
      Session session, long privateHandle, Long ckk, String label, byte[] id) {
    AttributeVector template = AttributeVector.newPublicKey();
    if (id.length > 0) {
      template.id(id);
    } else if (!label.isEmpty()) {
      template.label(label);
    }
    long[] publics = id.length == 0 && label.isEmpty() ? new long[0] : find(session, template);
    if (publics.length > 1 && !label.isEmpty()) {
      publics = find(session, template.label(label));
    }
    if (publics.length == 1) {
      return readPublicKey(session, publics[0], ckk, true);
    }
    try {
      return readPublicKey(session, privateHandle, ckk, false);
    } catch (TokenException e) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "cannot read the public key of key '"
              + label
              + "': no matching public-key object and "
              + e.getMessage(),
          null,
          null,
          e);
    }
  }

  private static String describeSelector(Pkcs11Uri uri) {
    List<String> parts = new ArrayList<>();
    uri.object().ifPresent(o -> parts.add("object='" + o + "'"));
    uri.id().ifPresent(i -> parts.add("id=" + HexFormat.of().formatHex(i)));
    return String.join(" ", parts);
  }

  /** Labels and ids of all key objects visible in the session, for "not found" messages. */
  private String listKeys(Session session) {
    Map<String, String> names = new LinkedHashMap<>();
    for (AttributeVector template :
        List.of(AttributeVector.newPrivateKey(), AttributeVector.newPublicKey())) {
      for (long h : find(session, template)) {
        AttributeVector a = attributes(session, h, CKA_LABEL, CKA_ID);
        String label = a.label() == null ? "" : a.label();
        String idHex = a.id() == null ? "" : HexFormat.of().formatHex(a.id());
        names.putIfAbsent(
            idHex + "/" + label, "'" + label + "' (id " + (idHex.isEmpty() ? "none" : idHex) + ")");
      }
    }
    return names.isEmpty() ? "none" : String.join(", ", names.values());
  }

  // ---- generate --------------------------------------------------------------------------

  @Override
  public TokenKey generate(
      Pkcs11Uri tokenUri, String label, KeyAlgorithm algorithm, SecretSource pins) {
    return generateIaikKey(tokenUri, label, algorithm, pins);
  }

  IaikTokenKey generateIaikKey(
      Pkcs11Uri tokenUri, String label, KeyAlgorithm algorithm, SecretSource pins) {
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("a key label is required");
    }
    FoundToken token = selectToken(tokenUri);
    checkMechanisms(token, algorithm);
    Session session = openSession(token, true);
    boolean loggedIn = false;
    try {
      login(session, token, tokenUri, pins);
      loggedIn = true;
      AttributeVector sameLabel = new AttributeVector().label(label);
      if (find(session, sameLabel).length > 0) {
        throw new TokenException(
            TokenException.Category.LABEL_EXISTS,
            "token '"
                + token.label()
                + "' already has an object labelled '"
                + label
                + "'; refusing to overwrite it",
            null,
            "choose another label (existing keys are never replaced)",
            null);
      }
      byte[] id = freshId(session);
      PKCS11KeyPair pair = generateKeyPair(session, algorithm, label, id);
      try {
        verifyNotExtractable(session, pair.getPrivateKey(), algorithm.keyType(), label);
      } catch (TokenException e) {
        destroyQuietly(session, pair.getPrivateKey());
        destroyQuietly(session, pair.getPublicKey());
        throw e;
      }
      LocatedKey key = locatePrivateKey(session, token, tokenUri.withObject(label, id));
      return register(session, token, tokenUri, pins, key);
    } catch (RuntimeException e) {
      if (loggedIn) {
        logout(session, token.slotId());
      }
      closeQuietly(session);
      throw e;
    }
  }

  private void checkMechanisms(FoundToken token, KeyAlgorithm algorithm) {
    long gen =
        algorithm.keyType() == KeyType.RSA
            ? CKM_RSA_PKCS_KEY_PAIR_GEN
            : CKM_EC_EDWARDS_KEY_PAIR_GEN;
    long sign = algorithm.keyType() == KeyType.RSA ? CKM_RSA_PKCS_PSS : CKM_EDDSA;
    List<MechanismDescription> offered = mechanisms(token.slotId());
    Optional<MechanismDescription> genInfo =
        offered.stream().filter(m -> m.code() == gen).findFirst();
    boolean canSign = offered.stream().anyMatch(m -> m.code() == sign);
    String what = algorithm.keyType() == KeyType.RSA ? "RSA" : "Ed25519 (EdDSA)";
    if (genInfo.isEmpty() || !canSign) {
      throw new TokenException(
          TokenException.Category.MECHANISM_UNSUPPORTED,
          "token '"
              + token.label()
              + "' cannot generate or sign with "
              + what
              + " keys ("
              + (genInfo.isEmpty()
                  ? MECHANISMS_THAT_MATTER.get(gen)
                  : MECHANISMS_THAT_MATTER.get(sign))
              + " not offered)",
          null,
          algorithm.keyType() == KeyType.ED25519
              ? "use an RSA key on this token, or a token with PKCS#11 3.0 EdDSA (SoftHSM2, YubiHSM 2)"
              : null,
          null);
    }
    if (algorithm.keyType() == KeyType.RSA) {
      MechanismDescription m = genInfo.get();
      // Some modules report RSA sizes in bytes; accept either reading.
      boolean inBits = m.minKeySize() <= algorithm.bits() && algorithm.bits() <= m.maxKeySize();
      boolean inBytes =
          m.minKeySize() <= algorithm.bits() / 8 && algorithm.bits() / 8 <= m.maxKeySize();
      if (m.maxKeySize() > 0 && !inBits && !inBytes) {
        throw new TokenException(
            TokenException.Category.MECHANISM_UNSUPPORTED,
            "token '"
                + token.label()
                + "' generates RSA keys of "
                + m.minKeySize()
                + " to "
                + m.maxKeySize()
                + " bits only, not "
                + algorithm.bits(),
            null,
            "choose a supported key size",
            null);
      }
    }
  }

  private byte[] freshId(Session session) {
    for (int attempt = 0; attempt < 16; attempt++) {
      byte[] id = new byte[8];
      RANDOM.nextBytes(id);
      if (find(session, new AttributeVector().id(id)).length == 0) {
        return id;
      }
    }
    throw new TokenException(TokenException.Category.OTHER, "cannot find an unused CKA_ID");
  }

  /**
   * One C_GenerateKeyPair with the final attributes. If the token rejects the template, retries
   * once without the optional usage restrictions (tpm2-pkcs11 1.9 rejects CKA_DECRYPT=false
   * together with CKA_VERIFY=true).
   */
  private PKCS11KeyPair generateKeyPair(
      Session session, KeyAlgorithm algorithm, String label, byte[] id) {
    try {
      return session.generateKeyPair(mechanismFor(algorithm), template(algorithm, label, id, true));
    } catch (PKCS11Exception e) {
      String name = Pkcs11Errors.ckrName(e.getErrorCode());
      if (!List.of(
              "CKR_TEMPLATE_INCONSISTENT",
              "CKR_ATTRIBUTE_VALUE_INVALID",
              "CKR_ATTRIBUTE_TYPE_INVALID",
              "CKR_TEMPLATE_INCOMPLETE",
              "CKR_ATTRIBUTE_READ_ONLY",
              "CKR_GENERAL_ERROR",
              "CKR_FUNCTION_FAILED")
          .contains(name)) {
        throw Pkcs11Errors.translate(e, "key generation (" + algorithm + ") failed");
      }
      options
          .diagnostics()
          .accept(
              "note: the token rejected the key template ("
                  + name
                  + "); retrying without the"
                  + " optional decrypt/unwrap/encrypt/wrap restrictions");
      try {
        return session.generateKeyPair(
            mechanismFor(algorithm), template(algorithm, label, id, false));
      } catch (PKCS11Exception e2) {
        throw Pkcs11Errors.translate(e2, "key generation (" + algorithm + ") failed");
      }
    }
  }

  private static Mechanism mechanismFor(KeyAlgorithm algorithm) {
    return new Mechanism(
        algorithm.keyType() == KeyType.RSA
            ? CKM_RSA_PKCS_KEY_PAIR_GEN
            : CKM_EC_EDWARDS_KEY_PAIR_GEN);
  }

  static KeyPairTemplate template(
      KeyAlgorithm algorithm, String label, byte[] id, boolean withOptionalRestrictions) {
    long ckk = algorithm.keyType() == KeyType.RSA ? CKK_RSA : CKK_EC_EDWARDS;
    AttributeVector pub =
        AttributeVector.newPublicKey(ckk).token(true).id(id).label(label).verify(true);
    AttributeVector priv =
        AttributeVector.newPrivateKey(ckk)
            .token(true)
            .id(id)
            .label(label)
            .private_(true)
            .sensitive(true)
            .extractable(false)
            .sign(true);
    if (withOptionalRestrictions) {
      pub.encrypt(false).wrap(false);
      priv.decrypt(false).unwrap(false);
    }
    if (algorithm.keyType() == KeyType.RSA) {
      pub.modulusBits(algorithm.bits()).publicExponent(BigInteger.valueOf(65537));
    } else {
      pub.ecParams(ED25519_OID);
    }
    return new KeyPairTemplate(priv, pub);
  }

  /**
   * Proves the private key cannot leave the token: a raw C_GetAttributeValue of its secret value
   * must fail with CKR_ATTRIBUTE_SENSITIVE (SoftHSM) or CKR_ATTRIBUTE_TYPE_INVALID (tpm2-pkcs11),
   * and CKA_SENSITIVE/CKA_EXTRACTABLE must read TRUE/FALSE. The wrapper's getAttrValues hides a
   * sensitive attribute as an empty value, so it cannot prove this.
   */
  void verifyNotExtractable(Session session, long privateHandle, KeyType type, String label) {
    String probe = rawSecretValueProbe(session, privateHandle, type);
    if (!probe.equals("CKR_ATTRIBUTE_SENSITIVE") && !probe.equals("CKR_ATTRIBUTE_TYPE_INVALID")) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "the token answered "
              + probe
              + " when asked for the private value of key '"
              + label
              + "'; the key may be extractable and was destroyed",
          probe,
          null,
          null);
    }
    AttributeVector a = attributes(session, privateHandle, CKA_SENSITIVE, CKA_EXTRACTABLE);
    if (!Boolean.TRUE.equals(a.sensitive()) || !Boolean.FALSE.equals(a.extractable())) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "key '"
              + label
              + "' came out with CKA_SENSITIVE="
              + a.sensitive()
              + ", CKA_EXTRACTABLE="
              + a.extractable()
              + "; it was destroyed");
    }
  }

  /** The CKR name a raw read of the private value gives ({@code CKR_OK} would be a leak). */
  String rawSecretValueProbe(Session session, long privateHandle, KeyType type) {
    CK_ATTRIBUTE attribute = new CK_ATTRIBUTE();
    attribute.type = type == KeyType.RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE;
    try {
      module
          .getPKCS11Module()
          .C_GetAttributeValue(
              session.getSessionHandle(), privateHandle, new CK_ATTRIBUTE[] {attribute}, true);
      return "CKR_OK";
    } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
      return Pkcs11Errors.ckrName(e.getErrorCode());
    }
  }

  private static void destroyQuietly(Session session, long handle) {
    try {
      session.destroyObject(handle);
    } catch (PKCS11Exception e) {
      // Best effort: the generation already failed and is being reported.
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  synchronized void closeKey(IaikTokenKey key, Session session, long slotId) {
    if (openKeys.remove(key)) {
      logout(session, slotId);
      closeQuietly(session);
    }
  }

  static void closeQuietly(Session session) {
    try {
      session.closeSession();
    } catch (PKCS11Exception e) {
      // Already closed or the token is gone; nothing to release.
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("backend closed");
    }
  }

  @Override
  public void close() {
    List<IaikTokenKey> keys;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      keys = new ArrayList<>(openKeys);
    }
    for (IaikTokenKey key : keys) {
      key.close();
    }
    LoadedModules.release(modulePath);
  }

  private static String strip(String s) {
    return s == null ? "" : s.strip();
  }
}
