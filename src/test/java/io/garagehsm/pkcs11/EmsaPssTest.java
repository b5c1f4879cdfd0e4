package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** Host EMSA-PSS + a raw RSA private operation gives signatures the JDK's RSASSA-PSS accepts. */
class EmsaPssTest {

  static byte[] rawRsa(KeyPair pair, byte[] block) throws Exception {
    Cipher raw = Cipher.getInstance("RSA/ECB/NoPadding");
    raw.init(Cipher.DECRYPT_MODE, (RSAPrivateKey) pair.getPrivate()); // m^d mod n
    return raw.doFinal(block);
  }

  @Test
  void rawRsaOverTheEncodingVerifiesAsPssSalt32ForEveryKeySize() throws Exception {
    byte[] message = "{\"signed\":{\"_type\":\"Root\"}}".getBytes(StandardCharsets.UTF_8);
    for (int bits : new int[] {2048, 2049, 3072, 4096}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      KeyPair pair = g.generateKeyPair();
      int modBits = ((RSAPublicKey) pair.getPublic()).getModulus().bitLength();
      byte[] block = EmsaPss.encodeForRawRsa(EmsaPss.sha256(message), modBits);
      assertEquals((modBits + 7) / 8, block.length);
      assertEquals((byte) 0xbc, block[block.length - 1]);
      byte[] sig = EmsaPss.leftPad(rawRsa(pair, block), modBits);
      assertTrue(IaikSigningPaths.verifies(pair.getPublic(), message, sig), "bits " + modBits);
      assertFalse(
          IaikSigningPaths.verifies(
              pair.getPublic(), "other".getBytes(StandardCharsets.UTF_8), sig));
    }
  }

  @Test
  void theSaltIsFreshForEverySignature() {
    byte[] digest = EmsaPss.sha256(new byte[] {1});
    byte[] a = EmsaPss.encodeForRawRsa(digest, 2048);
    byte[] b = EmsaPss.encodeForRawRsa(digest, 2048);
    assertFalse(Arrays.equals(a, b));
    byte[] salt = new byte[32];
    assertArrayEquals(
        EmsaPss.encodeForRawRsa(digest, 2048, salt), EmsaPss.encodeForRawRsa(digest, 2048, salt));
  }

  @Test
  void leftPadRestoresTheModulusLength() {
    byte[] shortSig = new byte[255];
    shortSig[0] = 7;
    byte[] padded = EmsaPss.leftPad(shortSig, 2048);
    assertEquals(256, padded.length);
    assertEquals(0, padded[0]);
    assertEquals(7, padded[1]);
  }

  @Test
  void quirkProfilesAreChosenByLibraryDescription() {
    ModuleQuirks tpm =
        ModuleQuirks.of("tpm2-software.github.io", "TPM2.0 Cryptoki", "IBM", "SW   TPM");
    assertEquals("tpm2-pkcs11", tpm.profile());
    assertTrue(tpm.unsafeMechanismParameters());
    assertTrue(tpm.omitUsageRestrictions());
    assertTrue(tpm.cleanupFailedGeneration());
    assertTrue(tpm.flushOnClose());
    assertFalse(tpm.pinNeverLocks());
    assertTrue(tpm.failedGenerationHint().contains("tpm2_flushcontext -t"));
    ModuleQuirks softHsm =
        ModuleQuirks.of("SoftHSM", "Implementation of PKCS11", "SoftHSM project", "SoftHSM v2");
    assertEquals("softhsm2", softHsm.profile());
    assertTrue(softHsm.pinNeverLocks());
    assertEquals(new ModuleQuirks("softhsm2", false, false, false, false, true, null), softHsm);
    assertEquals(
        ModuleQuirks.NONE,
        ModuleQuirks.of("OpenSC Project", "OpenSC smartcard framework", "piv_II", "PKCS#15"));
  }

  @Test
  void signingPathByCapability() {
    long pss = 0x0dL;
    long sha256Pss = 0x43L;
    long x509 = 0x03L;
    var none = ModuleQuirks.NONE;
    var tpm = ModuleQuirks.of("tpm2-software.github.io", "TPM2.0 Cryptoki", "", "");
    // the key's CKA_ALLOWED_MECHANISMS wins over the token's list
    assertEquals(
        RsaSigningPath.RAW_RSA,
        IaikSigningPaths.fromAllowedList(new long[] {x509}, java.util.Set.of(pss, x509), none));
    assertEquals(
        RsaSigningPath.PSS,
        IaikSigningPaths.fromAllowedList(null, java.util.Set.of(pss, x509), none));
    assertEquals(
        RsaSigningPath.SHA256_PSS,
        IaikSigningPaths.fromAllowedList(null, java.util.Set.of(sha256Pss), none));
    // tpm2-pkcs11: allowed PSS, but its parameters are never passed
    assertEquals(
        RsaSigningPath.RAW_RSA,
        IaikSigningPaths.fromAllowedList(new long[] {pss, x509}, java.util.Set.of(x509), tpm));
    assertEquals(
        RsaSigningPath.NONE,
        IaikSigningPaths.fromAllowedList(new long[] {pss}, java.util.Set.of(pss), tpm));
  }
}
