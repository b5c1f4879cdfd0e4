package io.garagehsm.pkcs11;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a backend talks to the user: {@code diagnostics} receives warnings and notes (never stdout in
 * the CLI: stdout carries data); {@code allowFinalTry} permits a login attempt when the token says
 * one more wrong PIN locks it.
 */
public record BackendOptions(Consumer<String> diagnostics, boolean allowFinalTry) {

  public BackendOptions {
    Objects.requireNonNull(diagnostics, "diagnostics");
  }

  /** Diagnostics dropped, final PIN try refused. */
  public static BackendOptions quiet() {
    return new BackendOptions(message -> {}, false);
  }
}
