package io.garagehsm.pkcs11;

/** Key types this tool can read from a token. */
public enum KeyType {
  RSA,
  /** NIST P-256 (secp256r1); read only. */
  EC_P256,
  ED25519,
  /** Anything else (another curve, DSA, ...): listed but not usable. */
  OTHER
}
