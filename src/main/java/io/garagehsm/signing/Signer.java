package io.garagehsm.signing;

import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import java.util.Optional;

/**
 * A signer knows its public key and signs bytes. Bound to one key, file or token; closing it logs
 * out of the token, if any. Never exposes private material.
 */
public interface Signer extends AutoCloseable {

  /** The public key whose private half signs. */
  TufKey publicKey();

  /** Key ID of {@link #publicKey()}. */
  default String keyId() {
    return publicKey().keyId();
  }

  /** The signature method, fixed by the key type. */
  default SignatureMethod method() {
    return publicKey().type().method();
  }

  /** Where the key lives, for messages: a file path or a pkcs11: URI. */
  String location();

  /** The token holding the key; empty for a file key. */
  default Optional<TokenIdentity> token() {
    return Optional.empty();
  }

  /** Signs the exact bytes given (canonical JSON for metadata). */
  byte[] sign(byte[] data);

  @Override
  default void close() {}
}
