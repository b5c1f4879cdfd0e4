package io.garagehsm.pkcs11;

import io.garagehsm.secret.PinFailureLedger;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a backend talks to the user: {@code diagnostics} receives warnings and notes (never stdout in
 * the CLI: stdout carries data); {@code allowFinalTry} permits a login attempt when the token says
 * one more wrong PIN locks it; {@code maxSessions} bounds the sessions open on one token at once
 * ({@code --max-sessions}; 0: the default of 4, never above the token's ulMaxSessionCount); {@code
 * pinFailuresOrNull} remembers non-interactive wrong-PIN logins across runs, so the same unchanged
 * PIN source is not tried again on the token unless {@code retryPin} ({@code --retry-pin}).
 */
public record BackendOptions(
    Consumer<String> diagnostics,
    boolean allowFinalTry,
    int maxSessions,
    PinFailureLedger pinFailuresOrNull,
    boolean retryPin) {

  public BackendOptions {
    Objects.requireNonNull(diagnostics, "diagnostics");
    if (maxSessions < 0) {
      throw new IllegalArgumentException("maxSessions must not be negative");
    }
  }

  /** Default session bound, no memory of failed logins across runs. */
  public BackendOptions(Consumer<String> diagnostics, boolean allowFinalTry) {
    this(diagnostics, allowFinalTry, 0, null, false);
  }

  /** As main had it before the wrong-PIN ledger: no memory of failed logins across runs. */
  public BackendOptions(Consumer<String> diagnostics, boolean allowFinalTry, int maxSessions) {
    this(diagnostics, allowFinalTry, maxSessions, null, false);
  }

  /** Diagnostics dropped, final PIN try refused. */
  public static BackendOptions quiet() {
    return new BackendOptions(message -> {}, false);
  }
}
