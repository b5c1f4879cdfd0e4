package io.garagehsm.pkcs11;

import io.garagehsm.pkcs11.IaikKeyObjects.LocatedKey;
import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import io.garagehsm.secret.SecretSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;

/**
 * The default backend, on org.xipki ipkcs11wrapper. Uses plain sessions (no session pool), one per
 * opened key, and only single-part C_Sign.
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
  private boolean closed;

  IaikTokenBackend(Path modulePath, BackendOptions options, boolean sharedWithSunPkcs11) {
    this.modulePath = modulePath;
    this.options = options;
    this.module = LoadedModules.acquire(modulePath);
    if (sharedWithSunPkcs11) {
      LoadedModules.pin(modulePath);
    }
    this.discovery = new IaikTokenDiscovery(module, modulePath, options);
    this.login = new IaikLogin(modulePath, options);
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

  // ---- tokens ----------------------------------------------------------------------------

  @Override
  public List<TokenDescription> tokens() {
    ensureOpen();
    return discovery.findTokens(true).stream().map(FoundToken::description).toList();
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
    FoundToken token = selectToken(tokenUri);
    Session session = login.openSession(token, false);
    boolean loggedIn = false;
    try {
      if (pinsOrNull != null) {
        login.login(session, token, tokenUri, pinsOrNull);
        loggedIn = true;
      }
      return keyObjects.describeKeys(session, token, tokenUri.tokenPart(), loggedIn);
    } finally {
      if (loggedIn) {
        login.logout(session, token.slotId());
      }
      IaikLogin.closeQuietly(session);
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
    Session session = login.openSession(token, false);
    boolean loggedIn = false;
    try {
      login.login(session, token, keyUri, pins);
      loggedIn = true;
      LocatedKey key = IaikKeyObjects.locatePrivateKey(session, token, keyUri);
      return register(session, token, keyUri, pins, key);
    } catch (RuntimeException e) {
      if (loggedIn) {
        login.logout(session, token.slotId());
      }
      IaikLogin.closeQuietly(session);
      throw e;
    }
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
    generation.checkMechanisms(token, algorithm);
    Session session = login.openSession(token, true);
    boolean loggedIn = false;
    try {
      login.login(session, token, tokenUri, pins);
      loggedIn = true;
      LocatedKey key = generation.generate(session, token, tokenUri, label, algorithm);
      return register(session, token, tokenUri, pins, key);
    } catch (RuntimeException e) {
      if (loggedIn) {
        login.logout(session, token.slotId());
      }
      IaikLogin.closeQuietly(session);
      throw e;
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  private synchronized IaikTokenKey register(
      Session session, FoundToken token, Pkcs11Uri uri, SecretSource pins, LocatedKey key) {
    Pkcs11Uri keyUri = uri.withObject(key.label(), key.id());
    IaikTokenKey opened = new IaikTokenKey(this, session, token, keyUri, pins, key);
    openKeys.add(opened);
    return opened;
  }

  synchronized void closeKey(IaikTokenKey key, Session session, long slotId) {
    if (openKeys.remove(key)) {
      login.logout(session, slotId);
      IaikLogin.closeQuietly(session);
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
}
