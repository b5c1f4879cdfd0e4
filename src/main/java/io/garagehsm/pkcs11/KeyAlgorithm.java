package io.garagehsm.pkcs11;

/** Key pairs this tool generates on a token. */
public enum KeyAlgorithm {
  RSA_2048(KeyType.RSA, 2048),
  RSA_3072(KeyType.RSA, 3072),
  RSA_4096(KeyType.RSA, 4096),
  ED25519(KeyType.ED25519, 256);

  private final KeyType keyType;
  private final int bits;

  KeyAlgorithm(KeyType keyType, int bits) {
    this.keyType = keyType;
    this.bits = bits;
  }

  public KeyType keyType() {
    return keyType;
  }

  /** RSA modulus length, or 256 for Ed25519 (as tokens report it). */
  public int bits() {
    return bits;
  }
}
