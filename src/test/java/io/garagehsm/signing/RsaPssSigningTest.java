package io.garagehsm.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.pkcs11.EmsaPss;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPrivateKeySpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our RSASSA-PSS path against the JDK's: byte-identical signatures for one salt, EMSA-PSS encodings
 * that the other side's decoder accepts, and the JDK's result whenever ours is wrong or impossible.
 */
class RsaPssSigningTest {
  private static final Map<String, TufKeyPair> KEYS = new HashMap<>();
  private static final byte[] DATA = Vectors.bytes("sign-json/canonical.txt");

  @AfterEach
  void noFault() {
    RsaPssSigning.faultForTest = null;
  }

  /** The golden RSA-2048/4096 keys, a fresh RSA-3072 one, and sizes that are no multiple of 8. */
  private static synchronized TufKeyPair key(String name) {
    return KEYS.computeIfAbsent(
        name,
        n -> {
          if (n.startsWith("gen")) {
            try {
              // the JDK's generator: key generate refuses sizes below 2048
              KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
              g.initialize(Integer.parseInt(n.substring(3)));
              KeyPair kp = g.generateKeyPair();
              return new TufKeyPair(TufKey.of(kp.getPublic()), kp.getPrivate());
            } catch (java.security.GeneralSecurityException e) {
              throw new AssertionError(e);
            }
          }
          TufKey pub = TufKey.fromJson(MetadataJson.read(Vectors.path("keys/" + n + ".pub")), n);
          return TufKeyPair.fromJson(MetadataJson.read(Vectors.path("keys/" + n + ".sec")), pub, n);
        });
  }

  private static RSAPrivateCrtKey crt(TufKeyPair k) {
    return (RSAPrivateCrtKey) k.privateKey();
  }

  private static boolean jdkVerifies(PublicKey pub, byte[] data, byte[] sig) throws Exception {
    Signature v = Signature.getInstance("RSASSA-PSS");
    v.setParameter(SignatureMethod.PSS_SALT_32);
    v.initVerify(pub);
    v.update(data);
    return v.verify(sig);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa2048", "gen3072", "rsa4096"})
  void signaturesVerifyWithTheJdkUnderTheGoldenPublicKeys(String name) throws Exception {
    TufKeyPair k = key(name);
    byte[] sig = RsaPssSigning.sign(crt(k), k.publicKey().publicKey(), DATA);
    assertNotNull(sig, "our path signed");
    int bytes = (((RSAPublicKey) k.publicKey().publicKey()).getModulus().bitLength() + 7) / 8;
    assertEquals(bytes, sig.length);
    assertTrue(jdkVerifies(k.publicKey().publicKey(), DATA, sig));
    if (!name.startsWith("gen")) {
      // the public key as uptane-sign wrote it, read afresh
      TufKey golden =
          TufKey.fromJson(MetadataJson.read(Vectors.path("keys/" + name + ".pub")), name);
      assertTrue(jdkVerifies(golden.publicKey(), DATA, sig));
      assertTrue(SignatureMethod.RSASSA_PSS_SHA256.verify(golden.publicKey(), DATA, sig));
    }
    byte[] other = DATA.clone();
    other[0] ^= 1;
    assertFalse(jdkVerifies(k.publicKey().publicKey(), other, sig));
    // two signatures of the same data differ (a fresh salt each)
    byte[] again = RsaPssSigning.sign(crt(k), k.publicKey().publicKey(), DATA);
    assertFalse(Arrays.equals(sig, again));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa2048", "gen3072", "rsa4096", "gen2047", "gen2049"})
  void withTheJdksSaltTheSignatureIsTheJdksByteForByte(String name) throws Exception {
    TufKeyPair k = key(name);
    byte[] salt = new byte[32];
    new SecureRandom().nextBytes(salt);
    Signature jdk = Signature.getInstance("RSASSA-PSS");
    jdk.setParameter(SignatureMethod.PSS_SALT_32);
    jdk.initSign(k.privateKey(), new FixedRandom(salt));
    jdk.update(DATA);
    byte[] expected = jdk.sign();
    byte[] ours = RsaPssSigning.signWithSalt(crt(k), DATA, salt);
    assertArrayEquals(expected, ours);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa2048", "rsa4096", "gen2049"})
  void theJdksEncodingPassesOurDecoderAndOursPassesTheJdk(String name) throws Exception {
    TufKeyPair k = key(name);
    RSAPublicKey pub = (RSAPublicKey) k.publicKey().publicKey();
    int modBits = pub.getModulus().bitLength();
    int k8 = (modBits + 7) / 8;
    byte[] mHash = MessageDigest.getInstance("SHA-256").digest(DATA);

    // the JDK signs; s^e mod n recovers its EM, which the reference decoder accepts
    Signature jdk = Signature.getInstance("RSASSA-PSS");
    jdk.setParameter(SignatureMethod.PSS_SALT_32);
    jdk.initSign(k.privateKey());
    jdk.update(DATA);
    byte[] em =
        fixed(
            new BigInteger(1, jdk.sign()).modPow(pub.getPublicExponent(), pub.getModulus()),
            (modBits - 1 + 7) / 8);
    assertTrue(PssReference.verify(mHash, em, modBits - 1));
    byte[] tampered = em.clone();
    tampered[em.length / 2] ^= 4;
    assertFalse(PssReference.verify(mHash, tampered, modBits - 1), "the decoder can refuse");

    // our encoding passes the reference decoder, and the JDK's raw RSA over it the JDK's verify
    byte[] salt = new byte[32];
    new SecureRandom().nextBytes(salt);
    byte[] block = EmsaPss.encodeForRawRsa(mHash, modBits, salt);
    assertEquals(k8, block.length);
    byte[] ours = Arrays.copyOfRange(block, k8 - (modBits - 1 + 7) / 8, k8);
    assertTrue(PssReference.verify(mHash, ours, modBits - 1));
    Cipher raw = Cipher.getInstance("RSA/ECB/NoPadding");
    raw.init(Cipher.DECRYPT_MODE, k.privateKey());
    byte[] sig = fixed(new BigInteger(1, raw.doFinal(block)), k8);
    assertTrue(jdkVerifies(pub, DATA, sig));
    assertFalse(PssReference.verify(mHash, inH(ours), modBits - 1));
  }

  @Test
  void aFaultyHalfIsCaughtByTheCheckAndTheJdksSignatureIsUsed() throws Exception {
    TufKeyPair k = key("rsa4096");
    AtomicInteger faults = new AtomicInteger();
    RsaPssSigning.faultForTest =
        mp -> {
          faults.incrementAndGet();
          return mp.add(BigInteger.ONE);
        };
    PublicKey pub = k.publicKey().publicKey();
    assertNull(RsaPssSigning.sign(crt(k), pub, DATA));
    assertEquals(1, faults.get());
    byte[] sig = new FileSigner(k, "k.sec").sign(DATA);
    assertEquals(2, faults.get(), "our path ran and failed before the JDK signed");
    assertTrue(jdkVerifies(pub, DATA, sig));
  }

  @Test
  void aKeyWithoutCrtValuesIsSignedByTheJdk() throws Exception {
    TufKeyPair k = key("rsa2048");
    RSAPrivateCrtKey c = crt(k);
    PrivateKey plain =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new RSAPrivateKeySpec(c.getModulus(), c.getPrivateExponent()));
    assertFalse(plain instanceof RSAPrivateCrtKey);
    AtomicInteger used = new AtomicInteger();
    RsaPssSigning.faultForTest =
        mp -> {
          used.incrementAndGet();
          return mp;
        };
    byte[] sig = new FileSigner(new TufKeyPair(k.publicKey(), plain), "plain.sec").sign(DATA);
    assertEquals(0, used.get());
    assertTrue(jdkVerifies(k.publicKey().publicKey(), DATA, sig));
  }

  @Test
  void anotherKeysPublicKeyOrNoneGoesToTheJdk() throws Exception {
    TufKeyPair k = key("rsa2048");
    TufKeyPair other = key("rsa4096");
    assertNull(RsaPssSigning.sign(crt(k), other.publicKey().publicKey(), DATA));
    // a pair whose .pub is not the private key's: the JDK signs, and its signature is k's
    byte[] sig = new FileSigner(new TufKeyPair(other.publicKey(), k.privateKey()), "x").sign(DATA);
    assertTrue(jdkVerifies(k.publicKey().publicKey(), DATA, sig));
  }

  @Test
  void wrongCrtValuesAreRefusedOrCaught() throws Exception {
    TufKeyPair k = key("rsa2048");
    RSAPrivateCrtKey c = crt(k);
    // p and q swapped with the coefficient kept: the halves recombine to a wrong value
    RSAPrivateCrtKey swapped =
        (RSAPrivateCrtKey)
            KeyFactory.getInstance("RSA")
                .generatePrivate(
                    new java.security.spec.RSAPrivateCrtKeySpec(
                        c.getModulus(),
                        c.getPublicExponent(),
                        c.getPrivateExponent(),
                        c.getPrimeQ(),
                        c.getPrimeP(),
                        c.getPrimeExponentQ(),
                        c.getPrimeExponentP(),
                        c.getCrtCoefficient()));
    assertNull(RsaPssSigning.sign(swapped, k.publicKey().publicKey(), DATA));
  }

  private static byte[] inH(byte[] em) {
    byte[] b = em.clone();
    b[b.length - 34] ^= 1; // inside H
    return b;
  }

  private static byte[] fixed(BigInteger v, int len) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[len];
    int from = Math.max(0, b.length - len);
    System.arraycopy(b, from, out, len - (b.length - from), b.length - from);
    return out;
  }

  /** A random source that hands out one salt (the JDK draws the PSS salt from it). */
  private static final class FixedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] salt;

    FixedRandom(byte[] salt) {
      super(
          new SecureRandomSpi() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void engineSetSeed(byte[] s) {}

            @Override
            protected void engineNextBytes(byte[] bytes) {
              throw new UnsupportedOperationException();
            }

            @Override
            protected byte[] engineGenerateSeed(int n) {
              throw new UnsupportedOperationException();
            }
          },
          null);
      this.salt = salt;
    }

    @Override
    public void nextBytes(byte[] bytes) {
      assertEquals(salt.length, bytes.length, "the JDK draws the salt only");
      System.arraycopy(salt, 0, bytes, 0, salt.length);
    }
  }

  /** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), SHA-256, MGF1-SHA-256, 32-byte salt: written apart. */
  static final class PssReference {
    private PssReference() {}

    static boolean verify(byte[] mHash, byte[] em, int emBits) throws Exception {
      int hLen = 32;
      int sLen = 32;
      int emLen = (emBits + 7) / 8;
      if (em.length != emLen || emLen < hLen + sLen + 2 || (em[emLen - 1] & 0xff) != 0xbc) {
        return false;
      }
      byte[] maskedDb = Arrays.copyOfRange(em, 0, emLen - hLen - 1);
      byte[] h = Arrays.copyOfRange(em, emLen - hLen - 1, emLen - 1);
      int topBits = 8 * emLen - emBits;
      if (topBits > 0 && (maskedDb[0] & 0xff) >>> (8 - topBits) != 0) {
        return false;
      }
      byte[] mask = new byte[maskedDb.length];
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int c = 0, off = 0; off < mask.length; c++) {
        sha.update(h);
        sha.update(new byte[] {(byte) (c >> 24), (byte) (c >> 16), (byte) (c >> 8), (byte) c});
        byte[] block = sha.digest();
        int n = Math.min(block.length, mask.length - off);
        System.arraycopy(block, 0, mask, off, n);
        off += n;
      }
      byte[] db = new byte[maskedDb.length];
      for (int i = 0; i < db.length; i++) {
        db[i] = (byte) (maskedDb[i] ^ mask[i]);
      }
      if (topBits > 0) {
        db[0] &= (byte) (0xff >>> topBits);
      }
      int ps = emLen - hLen - sLen - 2;
      for (int i = 0; i < ps; i++) {
        if (db[i] != 0) {
          return false;
        }
      }
      if (db[ps] != 1) {
        return false;
      }
      byte[] salt = Arrays.copyOfRange(db, db.length - sLen, db.length);
      sha.update(new byte[8]);
      sha.update(mHash);
      sha.update(salt);
      return MessageDigest.isEqual(h, sha.digest());
    }
  }

  @Test
  void referenceDecoderKnowsRfc8017Layout() throws Exception {
    // sanity for the decoder itself: an all-zero EM with the trailer is refused
    byte[] em = new byte[256];
    em[255] = (byte) 0xbc;
    assertFalse(
        PssReference.verify(
            MessageDigest.getInstance("SHA-256").digest("x".getBytes(StandardCharsets.UTF_8)),
            em,
            2047));
  }
}
