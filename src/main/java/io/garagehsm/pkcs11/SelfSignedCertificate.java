package io.garagehsm.pkcs11;

import io.garagehsm.der.Der;
import java.math.BigInteger;
import java.security.PublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * A minimal X.509 v1 certificate (CN=label, self-issued, RSASSA-PSS SHA-256 signature made by the
 * token key itself), built by hand in DER. It exists only so that SunPKCS11's KeyStore, which hides
 * keys without a certificate of the same CKA_ID, can see the key.
 */
@SuppressWarnings("ArrayRecordComponent") // internal value, never compared or hashed
record SelfSignedCertificate(byte[] encoded, byte[] subject) {

  /** AlgorithmIdentifier rsassaPss with SHA-256, MGF1-SHA-256, salt 32, trailer 1 (default). */
  static final byte[] RSASSA_PSS_SHA256 =
      HexFormat.of()
          .parseHex(
              "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a0609"
                  + "2a864886f70d010108300d06096086480165030402010500a203020120");

  private static final byte[] OID_COMMON_NAME = HexFormat.of().parseHex("0603550403");
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * Builds the certificate; {@code pssSigner} returns an RSASSA-PSS (SHA-256, salt 32) signature of
   * the bytes it is given.
   */
  static SelfSignedCertificate build(
      String commonName,
      PublicKey publicKey,
      BigInteger serial,
      Instant notBefore,
      UnaryOperator<byte[]> pssSigner) {
    byte[] name = Der.sequence(Der.set(Der.sequence(OID_COMMON_NAME, Der.utf8String(commonName))));
    byte[] validity =
        Der.sequence(
            Der.utcTime(UTC_TIME.format(notBefore)),
            // RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration date".
            Der.generalizedTime("99991231235959Z"));
    byte[] tbs =
        Der.sequence(
            Der.integer(serial), RSASSA_PSS_SHA256, name, validity, name, publicKey.getEncoded());
    byte[] signature = pssSigner.apply(tbs);
    byte[] certificate = Der.sequence(tbs, RSASSA_PSS_SHA256, Der.bitString(signature));
    return new SelfSignedCertificate(certificate, name);
  }
}
