package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SelfSignedCertificateTest {
  @Test
  void jdkParsesAndVerifiesTheHandWrittenCertificate() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    SelfSignedCertificate cert =
        SelfSignedCertificate.build(
            "root key ü",
            pair.getPublic(),
            BigInteger.valueOf(4711),
            Instant.parse("2026-01-02T03:04:05Z"),
            tbs -> {
              try {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(
                    new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                s.initSign(pair.getPrivate());
                s.update(tbs);
                return s.sign();
              } catch (GeneralSecurityException e) {
                throw new AssertionError(e);
              }
            });
    X509Certificate x509 =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.encoded()));
    x509.verify(pair.getPublic());
    assertEquals("CN=root key ü", x509.getSubjectX500Principal().getName());
    assertEquals(pair.getPublic(), x509.getPublicKey());
    assertEquals(BigInteger.valueOf(4711), x509.getSerialNumber());
    assertEquals(Instant.parse("2026-01-02T03:04:05Z"), x509.getNotBefore().toInstant());
  }
}
