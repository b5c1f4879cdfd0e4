package io.garagehsm.pkcs11;

import java.security.PublicKey;

/**
 * A private key on a token, opened for signing in a logged-in session. Closing it logs out and
 * closes the session. Not thread-safe.
 */
public interface TokenKey extends AutoCloseable {

  PublicKey publicKey();

  KeyType keyType();

  /** The URI naming this key (token part plus {@code object} and {@code id}). */
  Pkcs11Uri uri();

  /**
   * The serial number of the token the key was found on, as the token reports it; empty when it
   * reports none.
   */
  String tokenSerial();

  /**
   * Signs the whole message.
   *
   * @throws TokenException with {@code KEY_TYPE_UNSUPPORTED} when the scheme does not fit the key
   */
  byte[] sign(SignatureAlgorithm algorithm, byte[] message);

  @Override
  void close();
}
