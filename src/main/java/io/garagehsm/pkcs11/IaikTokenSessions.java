package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKS_RO_USER_FUNCTIONS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKS_RW_USER_FUNCTIONS;

import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import io.garagehsm.secret.Secret;
import io.garagehsm.secret.SecretSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

/**
 * The sessions of one token for one run of the IAIK backend: one user login per token (login state
 * is token-wide: every session of the process shares it), and a bounded pool of sessions that
 * opened keys borrow per operation, so parallel signing never holds more sessions than the token's
 * {@code ulMaxSessionCount} or {@code --max-sessions} (YubiHSM 2 has 16 for all its clients).
 *
 * <p>When the token goes away under a call (CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
 * CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, or CKR_DEVICE_ERROR, which is what p11-kit's client
 * returns for a dropped connection), the module is finalised and initialised again (p11-kit's
 * client reconnects only in C_Initialize), the token is selected again by its URI, the user logs in
 * again once with the same PIN, and the call is repeated once. A second failure, or any failure of
 * the reconnect, ends the operation with a message that says so. A wrong PIN is never tried twice:
 * CKR_PIN_INCORRECT is not a connection failure.
 */
final class IaikTokenSessions {

  /** Return values after which the session (or the connection under it) is gone. */
  static final Set<String> CONNECTION_LOST =
      Set.of(
          "CKR_SESSION_HANDLE_INVALID",
          "CKR_SESSION_CLOSED",
          "CKR_DEVICE_REMOVED",
          "CKR_TOKEN_NOT_PRESENT",
          "CKR_DEVICE_ERROR");

  /** The pool size when neither the token nor {@code --max-sessions} limits it. */
  static final int DEFAULT_MAX_SESSIONS = 4;

  /** ulMaxSessionCount values that set no limit. */
  private static final long CK_EFFECTIVELY_INFINITE = 0L;

  private static final long CK_UNAVAILABLE_INFORMATION = ~0L;

  /** An operation on a borrowed session; {@code generation} changes with every reconnect. */
  @FunctionalInterface
  interface Operation<T> {
    T run(Session session, int generation);
  }

  private final IaikTokenBackend backend;
  private final Pkcs11Uri tokenUri;
  private final int capacity;
  private final Deque<Session> idle = new ArrayDeque<>();
  private FoundToken token;
  private int open;
  private int generation;
  private int moduleGeneration;
  private boolean loggedIn;
  private boolean countedLogin;
  private Secret pin;
  private boolean closed;

  IaikTokenSessions(IaikTokenBackend backend, FoundToken token, Pkcs11Uri tokenUri) {
    this.backend = backend;
    this.token = token;
    this.tokenUri = tokenUri.tokenPart();
    this.moduleGeneration = LoadedModules.generation(backend.modulePath());
    this.capacity = capacity(token, backend.options().maxSessions());
  }

  /** The pool bound: --max-sessions (or the default), never above the token's own limit. */
  static int capacity(FoundToken token, int maxSessions) {
    int wanted = maxSessions > 0 ? maxSessions : DEFAULT_MAX_SESSIONS;
    long tokenMax;
    try {
      tokenMax = token.slot().getToken().getTokenInfo().getMaxSessionCount();
    } catch (PKCS11Exception | RuntimeException e) {
      return wanted;
    }
    if (tokenMax == CK_EFFECTIVELY_INFINITE
        || tokenMax == CK_UNAVAILABLE_INFORMATION
        || tokenMax < 0) {
      return wanted;
    }
    return (int) Math.max(1, Math.min(wanted, tokenMax));
  }

  int capacity() {
    return capacity;
  }

  synchronized FoundToken token() {
    return token;
  }

  synchronized int generation() {
    return generation;
  }

  /**
   * Logs the user in once for the whole run: later calls, and keys opened later, reuse the login.
   * Asks the PIN source only when the token is not already logged in for this process.
   */
  void ensureLoggedIn(Pkcs11Uri uri, SecretSource pins) {
    synchronized (this) {
      if (loggedIn) {
        return;
      }
    }
    call(
        (session, g) -> {
          synchronized (this) {
            if (!loggedIn) {
              if (!alreadyLoggedIn(session)) {
                backend.login().login(session, token, uri, capturing(pins));
                countedLogin = true;
              }
              loggedIn = true;
            }
          }
          return null;
        });
  }

  /** The PIN source, keeping a copy of what it gives for the one re-login after a reconnect. */
  private SecretSource capturing(SecretSource pins) {
    SecretSource source = pins == null ? SecretSource.none() : pins;
    return new SecretSource() {
      @Override
      public Secret secret(String purpose) {
        Secret s = source.secret(purpose);
        synchronized (IaikTokenSessions.this) {
          if (pin != null) {
            pin.close();
          }
          pin = Secret.copyOf(s.chars());
        }
        return s;
      }

      @Override
      public SecretSource withUriPinSource(String pinSource) {
        SecretSource inner = source.withUriPinSource(pinSource);
        return inner == source ? this : capturing(inner);
      }

      @Override
      public java.util.Optional<String> nonInteractiveIdentity() {
        // the wrong-PIN ledger identifies the source by where it is, never by the PIN
        return source.nonInteractiveIdentity();
      }
    };
  }

  private static boolean alreadyLoggedIn(Session session) {
    try {
      long state = session.getSessionInfo().getState();
      return state == CKS_RO_USER_FUNCTIONS || state == CKS_RW_USER_FUNCTIONS;
    } catch (PKCS11Exception e) {
      return false;
    }
  }

  /** Runs {@code op} on a pooled read-only session, reconnecting once if the token went away. */
  <T> T call(Operation<T> op) {
    return call(op, true);
  }

  /**
   * Runs {@code op} on a borrowed session.
   *
   * @param retry repeat the operation once after a reconnect; false for operations that must not
   *     run twice (key generation), which then fail with the reconnect done for the next one
   */
  <T> T call(Operation<T> op, boolean retry) {
    Lease lease = borrow();
    try {
      T result = op.run(lease.session(), lease.generation());
      giveBack(lease);
      return result;
    } catch (TokenException e) {
      if (!lost(e)) {
        giveBack(lease);
        throw e;
      }
      reconnect(lease.generation(), e);
      if (!retry) {
        throw new TokenException(
            TokenException.Category.DEVICE,
            e.getMessage() + "; the connection to token '" + tokenLabel() + "' was lost",
            e.ckrName().orElse(null),
            "garage-hsm reconnected; check the token's state, then run the command again",
            e);
      }
    } catch (RuntimeException e) {
      giveBack(lease);
      throw e;
    }
    Lease again = borrow();
    try {
      T result = op.run(again.session(), again.generation());
      giveBack(again);
      return result;
    } catch (TokenException e) {
      if (lost(e)) {
        discard(again);
        throw new TokenException(
            TokenException.Category.DEVICE,
            e.getMessage()
                + "; the connection to token '"
                + tokenLabel()
                + "' was lost again right after reconnecting",
            e.ckrName().orElse(null),
            reachHint(),
            e);
      }
      giveBack(again);
      throw e;
    } catch (RuntimeException e) {
      giveBack(again);
      throw e;
    }
  }

  /** A borrowed session and the connection generation it belongs to. */
  private record Lease(Session session, int generation) {}

  static boolean lost(TokenException e) {
    return e.ckrName().map(CONNECTION_LOST::contains).orElse(false);
  }

  private synchronized String tokenLabel() {
    return token.label();
  }

  /**
   * Module reinitialised (when nobody else did it since this pool saw it), token selected again,
   * one session opened and the user logged in again with the PIN of the first login.
   */
  private void reconnect(int seen, TokenException cause) {
    synchronized (this) {
      if (generation != seen) {
        return; // another thread reconnected already
      }
      idle.clear(); // those handles died with the connection
      open = 0;
      backend
          .options()
          .diagnostics()
          .accept(
              "warning: lost the connection to token '"
                  + token.label()
                  + "' ("
                  + cause.ckrName().orElse("?")
                  + "); reconnecting once");
      try {
        moduleGeneration = LoadedModules.reinitialize(backend.modulePath(), moduleGeneration);
        token = backend.discovery().selectToken(tokenUri);
        Session session = openSession();
        open++;
        idle.push(session);
        if (loggedIn && !alreadyLoggedIn(session)) {
          SecretSource same = pin == null ? SecretSource.none() : SecretSource.fixed(pin.chars());
          backend.login().login(session, token, tokenUri, same);
        }
        generation++;
      } catch (TokenException e) {
        throw new TokenException(
            e.category() == TokenException.Category.PIN_INCORRECT
                ? TokenException.Category.PIN_INCORRECT
                : TokenException.Category.DEVICE,
            "lost the connection to token '"
                + token.label()
                + "' ("
                + cause.ckrName().orElse("?")
                + ") and could not reconnect: "
                + e.getMessage(),
            e.ckrName().orElse(null),
            e.hint().orElse(reachHint()),
            e);
      }
    }
  }

  private String reachHint() {
    String address = System.getenv("P11_KIT_SERVER_ADDRESS");
    return "check the token or the network path to it"
        + (address == null ? "" : " (P11_KIT_SERVER_ADDRESS=" + address + ")")
        + ", then run the command again: nothing was written";
  }

  private synchronized Lease borrow() {
    if (closed) {
      throw new IllegalStateException("token sessions closed");
    }
    while (true) {
      Session s = idle.poll();
      if (s != null) {
        return new Lease(s, generation);
      }
      if (open < capacity) {
        Session fresh = openSession();
        open++;
        return new Lease(fresh, generation);
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenException(
            TokenException.Category.OTHER, "interrupted while waiting for a token session");
      }
    }
  }

  private Session openSession() {
    // Read-write: key generation needs it, and a pool of one kind keeps the bound simple.
    return backend.login().openSession(token, true);
  }

  private synchronized void giveBack(Lease lease) {
    if (lease.generation() == generation && !closed) {
      idle.push(lease.session());
    }
    notifyAll();
  }

  private synchronized void discard(Lease lease) {
    if (lease.generation() == generation && open > 0) {
      open--;
    }
    notifyAll();
  }

  /** Logs out (when this was the process's last login on the token) and closes every session. */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Session any = idle.peek();
    if (countedLogin && any != null) {
      backend.login().logout(any, token.slotId());
    } else if (countedLogin) {
      LoadedModules.loginReleased(backend.modulePath(), token.slotId());
    }
    for (Session s : idle) {
      IaikLogin.closeQuietly(s);
    }
    idle.clear();
    open = 0;
    if (pin != null) {
      pin.close();
      pin = null;
    }
    notifyAll();
  }
}
