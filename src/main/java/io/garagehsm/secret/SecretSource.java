package io.garagehsm.secret;

/**
 * Supplies a secret when one is really needed, asked for by purpose (e.g. "user PIN for token
 * 'ci-root'"). Callers close the returned {@link Secret} as soon as it has been used.
 */
public interface SecretSource {

  /**
   * Returns the secret for {@code purpose}.
   *
   * @throws SecretUnavailableException when no source can supply it
   */
  Secret secret(String purpose);

  /**
   * This source with a {@code pin-source} taken from a {@code pkcs11:} URI slotted in at its place
   * in the precedence. Sources that do not care return themselves.
   */
  default SecretSource withUriPinSource(String pinSource) {
    return this;
  }

  /**
   * Where the secret would come from when it is not typed in: {@code file:<path> modified <time>}
   * or {@code env:<NAME>}; empty for an interactive prompt or a source without identity. Never
   * derived from the secret itself.
   */
  default java.util.Optional<String> nonInteractiveIdentity() {
    return java.util.Optional.empty();
  }

  /**
   * Where the secret would come from and whether it can be had, checked without reading the secret
   * (a file's existence, type, permissions and size; whether a variable is set; whether there is a
   * console to ask on). For {@code doctor}.
   */
  default Availability availability() {
    return new Availability("none", false, "no PIN source is configured");
  }

  /**
   * Whether a source can supply its secret.
   *
   * @param source the source for people, e.g. {@code --pin-file /run/pin} (never the secret)
   * @param ready whether it looks usable
   * @param problem why not, or null
   */
  record Availability(String source, boolean ready, String problem) {}

  /** A source that never has a secret (for operations that must not log in). */
  static SecretSource none() {
    return purpose -> {
      throw new SecretUnavailableException("no PIN source given for the " + purpose);
    };
  }

  /** A fixed secret, copied for every request (tests, programmatic use). */
  static SecretSource fixed(char[] secret) {
    char[] copy = secret.clone();
    return purpose -> Secret.copyOf(copy);
  }
}
