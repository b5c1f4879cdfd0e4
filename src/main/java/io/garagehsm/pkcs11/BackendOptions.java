package io.garagehsm.pkcs11;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a backend talks to the user: {@code diagnostics} receives warnings and notes (never stdout in
 * the CLI: stdout carries data); {@code allowFinalTry} permits a login attempt when the token says
 * one more wrong PIN locks it; {@code maxSessions} bounds the sessions open on one token at once
 * ({@code --max-sessions}; 0: the default of 4, never above the token's ulMaxSessionCount).
 */
public record BackendOptions(Consumer<String> diagnostics, boolean allowFinalTry, int maxSessions) {

  public BackendOptions {
    Objects.requireNonNull(diagnostics, "diagnostics");
    if (maxSessions < 0) {
      throw new IllegalArgumentException("maxSessions must not be negative");
    }
  }

  public BackendOptions(Consumer<String> diagnostics, boolean allowFinalTry) {
    this(diagnostics, allowFinalTry, 0);
  }

  /** Diagnostics dropped, final PIN try refused. */
  public static BackendOptions quiet() {
    return new BackendOptions(message -> {}, false);
  }
}
