package io.garagehsm.metadata;

import io.garagehsm.der.Der;
import java.util.HexFormat;

/** RSA key encodings key files need: PKCS#1 inside PKCS#8 and SPKI. */
final class RsaKeyEncoding {
  /** AlgorithmIdentifier for rsaEncryption with NULL parameters. */
  private static final byte[] RSA_ALG_ID =
      HexFormat.of().parseHex("300d06092a864886f70d0101010500");

  private RsaKeyEncoding() {}

  /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
  static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    return Der.sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALG_ID, Der.tlv(0x04, pkcs1));
  }

  /** PKCS#1 RSAPrivateKey out of a PKCS#8 PrivateKeyInfo. */
  static byte[] rsaPkcs8ToPkcs1(byte[] pkcs8) {
    Der.Reader r = new Der.Reader(pkcs8);
    Der.Reader seq = r.enter(0x30);
    seq.skip(0x02); // version
    seq.skip(0x30); // algorithm
    return seq.read(0x04);
  }

  /** PKCS#1 RSAPublicKey wrapped as X.509 SubjectPublicKeyInfo. */
  static byte[] rsaPkcs1PublicToSpki(byte[] pkcs1) {
    return Der.sequence(RSA_ALG_ID, Der.bitString(pkcs1));
  }
}
