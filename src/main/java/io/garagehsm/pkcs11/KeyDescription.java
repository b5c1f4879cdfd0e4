package io.garagehsm.pkcs11;

import java.security.PublicKey;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A key pair found on a token: its CKA_LABEL, CKA_ID (hex), type and size, the public key when it
 * can be read, the full URI that selects it, and for RSA how it makes PSS signatures as far as can
 * be told without login (its CKA_ALLOWED_MECHANISMS, the token's list, the module's quirks; null
 * when not RSA).
 */
public record KeyDescription(
    String label,
    String idHex,
    KeyType keyType,
    int bits,
    PublicKey publicKeyOrNull,
    Pkcs11Uri uri,
    RsaSigningPath rsaSigningPathOrNull) {

  /** The CKA_ID bytes. */
  public byte[] id() {
    return HexFormat.of().parseHex(idHex);
  }

  /** The public key, absent when the token did not reveal it (no public object, no login). */
  public Optional<PublicKey> publicKey() {
    return Optional.ofNullable(publicKeyOrNull);
  }

  /** Short identification for messages: {@code 'label' (id 0a1b...)}. */
  public String displayName() {
    return "'" + label + "' (id " + (idHex.isEmpty() ? "none" : idHex) + ")";
  }
}
