package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_CONTEXT_SPECIFIC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import io.garagehsm.secret.PinFailureLedger;
import io.garagehsm.secret.Secret;
import io.garagehsm.secret.SecretSource;
import io.garagehsm.secret.SecretUnavailableException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

/**
 * Sessions and the user login of the IAIK backend: opens sessions, checks the PIN counters before
 * any login (one PIN try per run, never the final one unless allowed), logs in and out with the
 * process-wide login count of {@link LoadedModules}, and explains a failed login.
 */
final class IaikLogin {

  private static final long CKR_USER_ALREADY_LOGGED_IN = 0x100L;

  private final Path modulePath;
  private final BackendOptions options;
  private final Set<String> failedThisRun = new HashSet<>();
  private final Function<FoundToken, ModuleQuirks> quirks;

  IaikLogin(Path modulePath, BackendOptions options, Function<FoundToken, ModuleQuirks> quirks) {
    this.modulePath = modulePath;
    this.options = options;
    this.quirks = quirks;
  }

  Session openSession(FoundToken token, boolean readWrite) {
    try {
      return token.slot().getToken().openSession(readWrite);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "cannot open a session on token '" + token.label() + "'");
    }
  }

  static void closeQuietly(Session session) {
    try {
      session.closeSession();
    } catch (PKCS11Exception e) {
      // Already closed or the token is gone; nothing to release.
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
    checkPinCounters(token.label(), flags, options, quirks.apply(token).pinNeverLocks());
    String tokenId = tokenIdentity(token);
    refuseSecondTryInThisRun(token, tokenId);
    SecretSource source =
        (pins == null ? SecretSource.none() : pins).withUriPinSource(uri.pinSource().orElse(null));
    Optional<String> sourceId =
        flags.protectedAuthenticationPath() ? Optional.empty() : source.nonInteractiveIdentity();
    refuseUnchangedFailedSource(token, tokenId, sourceId);
    try {
      if (flags.protectedAuthenticationPath()) {
        options
            .diagnostics()
            .accept("enter the user PIN of token '" + token.label() + "' on the PIN pad");
        session.login(CKU_USER, null);
      } else {
        try (Secret pin = secret(source, uri, "user PIN for token '" + token.label() + "'")) {
          session.login(CKU_USER, pin.chars());
        }
      }
    } catch (PKCS11Exception e) {
      if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
        throw failed(e, token, tokenId, sourceId);
      }
    }
    if (options.pinFailuresOrNull() != null) {
      options.pinFailuresOrNull().clear(tokenId);
    }
    LoadedModules.loginAcquired(modulePath, token.slotId());
  }

  /** Identifies a token across runs: module, label, serial, manufacturer, model. */
  String tokenIdentity(FoundToken token) {
    TokenDescription d = token.description();
    return modulePath.toAbsolutePath().normalize()
        + " token="
        + d.label()
        + " serial="
        + d.serial()
        + " manufacturer="
        + d.manufacturer()
        + " model="
        + d.model();
  }

  /** One PIN try per run: after a wrong PIN, no further login to that token in this run. */
  private void refuseSecondTryInThisRun(FoundToken token, String tokenId) {
    if (failedThisRun.contains(tokenId)) {
      throw new TokenException(
          TokenException.Category.PIN_RETRY_REFUSED,
          "a login to token '"
              + token.label()
              + "' already failed with a wrong PIN in this run; garage-hsm tries a PIN once per"
              + " run",
          null,
          "fix the PIN source and run again",
          null);
    }
  }

  /**
   * After a non-interactive wrong-PIN login, the same token with the same unchanged source (file
   * path and mtime, or variable name) is not tried again until the source changes or {@code
   * --retry-pin}: a CI job re-running with a wrong PIN must not walk the token into lockout.
   */
  private void refuseUnchangedFailedSource(
      FoundToken token, String tokenId, Optional<String> sourceId) {
    PinFailureLedger ledger = options.pinFailuresOrNull();
    if (ledger == null || sourceId.isEmpty() || options.retryPin()) {
      return;
    }
    Optional<String> failed = ledger.failedSource(tokenId);
    if (failed.isPresent() && failed.get().equals(sourceId.get())) {
      throw new TokenException(
          TokenException.Category.PIN_RETRY_REFUSED,
          "not trying the PIN again: the last login to token '"
              + token.label()
              + "' with this PIN source ("
              + describeSource(sourceId.get())
              + ") failed with a wrong PIN, and the source has not changed since (recorded in "
              + ledger.file()
              + ")",
          null,
          "correct the PIN file (any change of it counts) or use another source; or try the same"
              + " PIN once more with --retry-pin",
          null);
    }
  }

  private static String describeSource(String sourceId) {
    if (sourceId.startsWith("env:")) {
      return "environment variable " + sourceId.substring(4);
    }
    if (sourceId.startsWith("file:")) {
      int modified = sourceId.indexOf(" modified ");
      return "file " + (modified > 0 ? sourceId.substring(5, modified) : sourceId.substring(5));
    }
    return sourceId;
  }

  /** Explains a failed login and remembers a wrong PIN (never a locked token) for later runs. */
  private TokenException failed(
      PKCS11Exception e, FoundToken token, String tokenId, Optional<String> sourceId) {
    TokenException t = loginFailure(e, token);
    if (t.category() == TokenException.Category.PIN_INCORRECT) {
      failedThisRun.add(tokenId);
      PinFailureLedger ledger = options.pinFailuresOrNull();
      if (ledger != null && sourceId.isPresent()) {
        try {
          ledger.recordFailure(tokenId, sourceId.get());
        } catch (RuntimeException recordFailed) {
          options.diagnostics().accept("warning: " + recordFailed.getMessage());
        }
      }
    }
    return t;
  }

  /** Context-specific login for a CKA_ALWAYS_AUTHENTICATE key, after C_SignInit. */
  void contextLogin(
      Session session, FoundToken token, Pkcs11Uri uri, SecretSource pins, String keyLabel) {
    TokenFlags flags = currentFlags(token);
    checkPinCounters(token.label(), flags, options, quirks.apply(token).pinNeverLocks());
    String tokenId = tokenIdentity(token);
    refuseSecondTryInThisRun(token, tokenId);
    Optional<String> sourceId =
        flags.protectedAuthenticationPath() || pins == null
            ? Optional.empty()
            : pins.withUriPinSource(uri.pinSource().orElse(null)).nonInteractiveIdentity();
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
      throw failed(e, token, tokenId, sourceId);
    }
  }

  /** Logs out, but only when this was the process's last login on the token. */
  synchronized void logout(Session session, long slotId) {
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
    checkPinCounters(tokenLabel, flags, options, false);
  }

  /**
   * As above; {@code neverLocks} for a module whose wrong PINs never lock (its quirk profile): the
   * low count is then only a note that an earlier PIN was wrong.
   */
  static void checkPinCounters(
      String tokenLabel, TokenFlags flags, BackendOptions options, boolean neverLocks) {
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
    if (flags.userPinCountLow() && neverLocks) {
      options
          .diagnostics()
          .accept(
              "warning: token '"
                  + tokenLabel
                  + "' reports an earlier wrong user PIN (CKF_USER_PIN_COUNT_LOW); its module"
                  + " never locks the PIN, but check the PIN source");
    } else if (flags.userPinCountLow()) {
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
    if (t.category() == TokenException.Category.PIN_LOCKED) {
      // TPMs answer TPM_RC_LOCKOUT (dictionary-attack lockout) as CKR_PIN_LOCKED, even for the
      // right PIN, while their flags show nothing: not a wrong PIN, and never counted as one.
      return new TokenException(
          t.category(),
          "token '"
              + token.label()
              + "' is locked by too many wrong PINs; wait or reset ("
              + t.ckrName().orElse("CKR_PIN_LOCKED")
              + ")",
          t.ckrName().orElse(null),
          "a TPM unlocks itself after its recovery time (tpm2_getcap properties-variable:"
              + " TPM2_PT_LOCKOUT_RECOVERY, seconds) or is reset by its owner"
              + " (tpm2_dictionarylockout --clear-lockout); other tokens: the Security Officer"
              + " unblocks the PIN (pkcs11-tool --login --login-type so --init-pin)",
          e);
    }
    return t;
  }
}
