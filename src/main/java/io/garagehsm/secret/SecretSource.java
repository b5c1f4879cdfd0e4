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
