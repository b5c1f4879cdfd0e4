package io.garagehsm.pkcs11;

/** How an RSA key on a token makes RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) signatures. */
public enum RsaSigningPath {
  /** CKM_RSA_PKCS_PSS over a SHA-256 digest computed on the host. */
  PSS("CKM_RSA_PKCS_PSS"),
  /** CKM_SHA256_RSA_PKCS_PSS over the whole message (hash on the token). */
  SHA256_PSS("CKM_SHA256_RSA_PKCS_PSS"),
  /** EMSA-PSS encoded on the host, then the raw private-key operation CKM_RSA_X_509. */
  RAW_RSA("CKM_RSA_X_509 + host EMSA-PSS"),
  /** No PSS-capable mechanism is usable with this key. */
  NONE("none usable");

  private final String display;

  RsaSigningPath(String display) {
    this.display = display;
  }

  /** For {@code tokens list} and messages. */
  public String display() {
    return display;
  }
}
