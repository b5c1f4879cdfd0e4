package io.garagehsm.pkcs11;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/** Builds JCA public keys from PKCS#11 attribute values. */
final class PublicKeyDecoder {
  private PublicKeyDecoder() {}

  private static final byte[] ED25519_OID = HexFormat.of().parseHex("06032b6570");
  private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");

  /** SubjectPublicKeyInfo prefix for Ed25519; the 32-byte point follows. */
  static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  /** SubjectPublicKeyInfo prefix for P-256; the 65-byte uncompressed point follows. */
  private static final byte[] P256_SPKI_PREFIX =
      HexFormat.of().parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");

  static PublicKey rsa(BigInteger modulus, BigInteger exponent) {
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
    } catch (GeneralSecurityException e) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "cannot build an RSA public key from the token's modulus and exponent",
          null,
          null,
          e);
    }
  }

  /**
   * Classifies CKA_EC_PARAMS: the OID form, or the PrintableString / UTF8String curve-name form
   * that PKCS#11 3.0 allows for Edwards curves (pkcs11-tool writes "edwards25519").
   */
  static KeyType ecKeyType(byte[] ecParams) {
    if (ecParams == null) {
      return KeyType.OTHER;
    }
    if (Arrays.equals(ecParams, ED25519_OID)) {
      return KeyType.ED25519;
    }
    if (Arrays.equals(ecParams, P256_OID)) {
      return KeyType.EC_P256;
    }
    if (ecParams.length > 2
        && (ecParams[0] == 0x13 || ecParams[0] == 0x0c)
        && (ecParams[1] & 0xff) == ecParams.length - 2) {
      String name =
          new String(ecParams, 2, ecParams.length - 2, StandardCharsets.US_ASCII)
              .toLowerCase(java.util.Locale.ROOT);
      switch (name) {
        case "edwards25519", "ed25519", "curve25519" -> {
          return KeyType.ED25519;
        }
        case "prime256v1", "secp256r1", "p-256", "nistp256" -> {
          return KeyType.EC_P256;
        }
        default -> {
          return KeyType.OTHER;
        }
      }
    }
    return KeyType.OTHER;
  }

  /**
   * The raw point from CKA_EC_POINT, which PKCS#11 defines as a DER OCTET STRING (04 len point);
   * some wrappers and modules hand out the bare point, so both are accepted, told apart by length.
   */
  static byte[] unwrapEcPoint(byte[] ecPoint, int rawLength) {
    if (ecPoint.length == rawLength) {
      return ecPoint.clone();
    }
    if (ecPoint.length == rawLength + 2 && ecPoint[0] == 0x04 && (ecPoint[1] & 0xff) == rawLength) {
      return Arrays.copyOfRange(ecPoint, 2, ecPoint.length);
    }
    if (ecPoint.length == rawLength + 3
        && ecPoint[0] == 0x04
        && (ecPoint[1] & 0xff) == 0x81
        && (ecPoint[2] & 0xff) == rawLength) {
      return Arrays.copyOfRange(ecPoint, 3, ecPoint.length);
    }
    throw new TokenException(
        TokenException.Category.KEY_TYPE_UNSUPPORTED,
        "unexpected CKA_EC_POINT encoding (" + ecPoint.length + " bytes)");
  }

  static PublicKey ec(byte[] ecParams, byte[] ecPoint) {
    KeyType type = ecKeyType(ecParams);
    try {
      switch (type) {
        case ED25519 -> {
          byte[] spki = concat(ED25519_SPKI_PREFIX, unwrapEcPoint(ecPoint, 32));
          return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        }
        case EC_P256 -> {
          byte[] point = unwrapEcPoint(ecPoint, 65);
          if (point[0] != 0x04) {
            throw new TokenException(
                TokenException.Category.KEY_TYPE_UNSUPPORTED,
                "compressed P-256 points are not supported");
          }
          byte[] spki = concat(P256_SPKI_PREFIX, point);
          return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
        }
        default ->
            throw new TokenException(
                TokenException.Category.KEY_TYPE_UNSUPPORTED,
                "unsupported EC curve (CKA_EC_PARAMS "
                    + (ecParams == null ? "missing" : HexFormat.of().formatHex(ecParams))
                    + "); only Ed25519 and P-256 are supported");
      }
    } catch (GeneralSecurityException e) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "cannot build a " + type + " public key from the token's CKA_EC_POINT",
          null,
          null,
          e);
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
