package io.garagehsm.pkcs11;

import io.garagehsm.pkcs11.IaikKeyObjects.LocatedKey;
import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import io.garagehsm.secret.SecretSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xipki.pkcs11.wrapper.PKCS11Module;

/**
 * The default backend, on org.xipki ipkcs11wrapper. One login and one bounded session pool per
 * token ({@link IaikTokenSessions}), shared by every key opened on it; only single-part C_Sign.
 *
 * <p>This class holds the module reference and the open keys, and strings the concerns together:
 * {@link IaikTokenDiscovery} (slots, tokens, selection), {@link IaikLogin} (sessions, PIN counters,
 * login), {@link IaikKeyObjects} (finding and describing keys), {@link IaikKeyGeneration} (new key
 * pairs) and {@link IaikTokenKey} (signing).
 */
class IaikTokenBackend implements TokenBackend {

  private final Path modulePath;
  private final BackendOptions options;
  private final PKCS11Module module;
  private final IaikTokenDiscovery discovery;
  private final IaikLogin login;
  private final IaikKeyObjects keyObjects;
  private final IaikKeyGeneration generation;
  private final List<IaikTokenKey> openKeys = new ArrayList<>();
  private final Map<String, IaikTokenSessions> sessionsByToken = new LinkedHashMap<>();
  private final Map<String, IaikTokenSessions> sessionsBySelector = new LinkedHashMap<>();
  private final boolean sharedWithSunPkcs11;
  private final java.util.Map<Long, ModuleQuirks> touchedSlots = new java.util.LinkedHashMap<>();
  private boolean closed;

  IaikTokenBackend(Path modulePath, BackendOptions options, boolean sharedWithSunPkcs11) {
    this.modulePath = modulePath;
    this.options = options;
    this.module = LoadedModules.acquire(modulePath);
    this.sharedWithSunPkcs11 = sharedWithSunPkcs11;
    if (sharedWithSunPkcs11) {
      LoadedModules.pin(modulePath);
    }
    this.discovery = new IaikTokenDiscovery(module, modulePath, options);
    this.login = new IaikLogin(modulePath, options, discovery::quirks);
    this.keyObjects = new IaikKeyObjects(options);
    this.generation = new IaikKeyGeneration(module, discovery, options);
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

  IaikLogin login() {
    return login;
  }

  IaikKeyGeneration generation() {
    return generation;
  }

  IaikTokenDiscovery discovery() {
    return discovery;
  }

  /**
   * The login and session pool of the token the URI selects, made on first use; keyed by serial and
   * label, not slot (slot IDs may change when the module reconnects).
   */
  synchronized IaikTokenSessions sessions(Pkcs11Uri uri) {
    ensureOpen();
    // A URI seen before needs no slot scan: that scan would fail on a dropped connection before
    // the pool could reconnect.
    String selector = uri.tokenPart().withoutQuery().toString();
    IaikTokenSessions known = sessionsBySelector.get(selector);
    if (known != null) {
      return known;
    }
    FoundToken token = selectToken(uri);
    String key = token.description().serial() + "\u0000" + token.label();
    IaikTokenSessions pool =
        sessionsByToken.computeIfAbsent(key, k -> new IaikTokenSessions(this, token, uri));
    sessionsBySelector.put(selector, pool);
    // flushed at close even when nothing was opened (a failed generation loaded objects too)
    touchedSlots.putIfAbsent(token.slotId(), discovery.quirks(token));
    return pool;
  }

  // ---- tokens ----------------------------------------------------------------------------

  @Override
  public List<TokenDescription> tokens() {
    return tokens(true);
  }

  @Override
  public List<TokenDescription> presentTokens() {
    return tokens(false);
  }

  private List<TokenDescription> tokens(boolean withMechanisms) {
    ensureOpen();
    List<FoundToken> found = discovery.findTokens(withMechanisms);
    if (found.isEmpty()) {
      discovery.requireReachableServer();
    }
    return found.stream().map(FoundToken::description).toList();
  }

  /** Selects exactly one initialised token by the URI's token attributes. */
  FoundToken selectToken(Pkcs11Uri uri) {
    ensureOpen();
    return discovery.selectToken(uri);
  }

  // ---- keys ------------------------------------------------------------------------------

  @Override
  public List<KeyDescription> keys(Pkcs11Uri token) {
    return keys(token, null);
  }

  @Override
  public List<KeyDescription> keys(Pkcs11Uri tokenUri, SecretSource pinsOrNull) {
    IaikTokenSessions sessions = sessions(tokenUri);
    if (pinsOrNull != null) {
      sessions.ensureLoggedIn(tokenUri, pinsOrNull);
    }
    boolean loggedIn = pinsOrNull != null;
    java.util.Set<Long> offered = discovery.signMechanisms(sessions.token().slotId());
    ModuleQuirks quirks = discovery.quirks(sessions.token());
    return sessions.call(
        (session, g) ->
            keyObjects.describeKeys(
                session,
                sessions.token(),
                tokenUri.tokenPart(),
                loggedIn,
                allowed -> IaikSigningPaths.fromAttributes(allowed, offered, quirks)));
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
    IaikTokenSessions sessions = sessions(keyUri);
    sessions.ensureLoggedIn(keyUri, pins);
    LocatedKey key =
        sessions.call(
            (session, g) -> IaikKeyObjects.locatePrivateKey(session, sessions.token(), keyUri));
    return register(sessions, keyUri, pins, key);
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
    IaikTokenSessions sessions = sessions(tokenUri);
    generation.checkMechanisms(sessions.token(), algorithm);
    sessions.ensureLoggedIn(tokenUri, pins);
    // Never repeated after a reconnect: the pair may exist already (the next run's label check
    // then refuses to make a second one).
    LocatedKey key =
        sessions.call(
            (session, g) ->
                generation.generate(session, sessions.token(), tokenUri, label, algorithm),
            false);
    return register(sessions, tokenUri, pins, key);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  private synchronized IaikTokenKey register(
      IaikTokenSessions sessions, Pkcs11Uri uri, SecretSource pins, LocatedKey key) {
    Pkcs11Uri keyUri = uri.withObject(key.label(), key.id());
    RsaSigningPath rsaPath =
        key.keyType() == KeyType.RSA
            ? sessions.call(
                (session, g) ->
                    IaikSigningPaths.choose(
                        session,
                        key.privateHandle(),
                        key.publicKey(),
                        discovery.signMechanisms(sessions.token().slotId()),
                        discovery.quirks(sessions.token()),
                        options.diagnostics()))
            : null;
    IaikTokenKey opened = new IaikTokenKey(this, sessions, keyUri, pins, key, rsaPath);
    touchedSlots.putIfAbsent(sessions.token().slotId(), discovery.quirks(sessions.token()));
    openKeys.add(opened);
    return opened;
  }

  synchronized void closeKey(IaikTokenKey key) {
    openKeys.remove(key);
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
    List<IaikTokenSessions> pools;
    synchronized (this) {
      pools = new ArrayList<>(sessionsByToken.values());
      sessionsByToken.clear();
      sessionsBySelector.clear();
    }
    for (IaikTokenSessions pool : pools) {
      pool.close();
    }
    flushTransientObjects();
    LoadedModules.release(modulePath);
  }

  /**
   * For modules whose profile asks for it (tpm2-pkcs11): closes every session of the tokens this
   * run used, so the module flushes the objects it loaded into the device even when the process
   * goes on or the module stays initialised. Only when this backend is the module's sole user in
   * the process (SunPKCS11 or another backend would lose their sessions too).
   */
  private void flushTransientObjects() {
    if (sharedWithSunPkcs11 || !LoadedModules.soleUser(modulePath)) {
      return;
    }
    for (Map.Entry<Long, ModuleQuirks> slot : touchedSlots.entrySet()) {
      if (slot.getValue().flushOnClose()) {
        try {
          module.getPKCS11Module().C_CloseAllSessions(slot.getKey());
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
          // Nothing left open, or the token is gone: nothing to flush.
        }
      }
    }
  }
}
