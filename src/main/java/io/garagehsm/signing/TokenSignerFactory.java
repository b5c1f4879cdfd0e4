package io.garagehsm.signing;

import io.garagehsm.metadata.TufKey;

/**
 * Opens signers for keys on PKCS#11 tokens. The implementation joins the pkcs11 layer; callers
 * above (repo, cli) only hold this interface.
 */
public interface TokenSignerFactory {

  /**
   * A signer for the token key at {@code keyUri}. The key on the token must be {@code expected};
   * otherwise the error names both key IDs.
   *
   * @param keyName the user's name for the key ({@code keys/<name>.pkcs11}), for messages; null
   *     when the key was given by URI and the expected key comes from a {@code .pub} file
   */
  Signer open(String keyUri, TufKey expected, String keyName);
}
