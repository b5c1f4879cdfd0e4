package io.garagehsm.pkcs11;

/** Signature schemes a {@link TokenKey} produces. */
public enum SignatureAlgorithm {
  /** RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32; SHA-256 computed on the host. */
  RSA_PSS_SHA256(KeyType.RSA),
  /** Pure Ed25519 over the whole message (CKM_EDDSA, single-part). */
  ED25519(KeyType.ED25519);

  private final KeyType keyType;

  SignatureAlgorithm(KeyType keyType) {
    this.keyType = keyType;
  }

  /** The key type this scheme needs. */
  public KeyType keyType() {
    return keyType;
  }
}
