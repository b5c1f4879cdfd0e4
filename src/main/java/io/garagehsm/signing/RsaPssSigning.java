package io.garagehsm.signing;

import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.pkcs11.EmsaPss;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * RSASSA-PSS signing with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 8017 §8.1.1, the one
 * parameter set of {@link SignatureMethod#PSS_SALT_32}) with the two CRT halves on two threads. A
 * short command runs the JDK's big-number code only compiled by C1, where one RSA-4096 private-key
 * operation takes most of a {@code root sign}; its two halves mod p and mod q are independent, and
 * the machine has a second core.
 *
 * <p>Base blinding as the JDK's RSACore: the half mod p exponentiates {@code c·r^e mod p} and
 * multiplies the result by {@code r^-1 mod p} (and likewise mod q), for a fresh random r chosen by
 * its residues mod p and q, so no half ever exponentiates the message itself. Every signature is
 * checked with the JDK's own RSASSA-PSS verification under the expected public key before it is
 * returned (which also stops a faulty CRT half from leaking a prime); on any doubt this class
 * returns null and the caller signs with the JDK's {@link java.security.Signature}.
 */
final class RsaPssSigning {

  /** A test's simulated fault in the half mod p (null: none). */
  static volatile UnaryOperator<BigInteger> faultForTest;

  private RsaPssSigning() {}

  /**
   * The signature of {@code data} by {@code key}, checked to verify under {@code expected}; null
   * when this path cannot be used or its result does not verify.
   */
  static byte[] sign(RSAPrivateCrtKey key, PublicKey expected, byte[] data) {
    if (!(expected instanceof RSAPublicKey pub)
        || !pub.getModulus().equals(key.getModulus())
        || !usable(key)) {
      return null;
    }
    byte[] sig;
    try {
      int bits = key.getModulus().bitLength();
      sig = privateOperation(key, EmsaPss.encodeForRawRsa(sha256(data), bits), bits);
    } catch (GeneralSecurityException | RuntimeException e) {
      return null;
    }
    return SignatureMethod.RSASSA_PSS_SHA256.verify(expected, data, sig) ? sig : null;
  }

  /** The CRT values are there and plausible; anything else goes to the JDK. */
  private static boolean usable(RSAPrivateCrtKey k) {
    BigInteger n = k.getModulus();
    BigInteger e = k.getPublicExponent();
    BigInteger p = k.getPrimeP();
    BigInteger q = k.getPrimeQ();
    BigInteger dp = k.getPrimeExponentP();
    BigInteger dq = k.getPrimeExponentQ();
    BigInteger qinv = k.getCrtCoefficient();
    for (BigInteger v : new BigInteger[] {n, e, p, q, dp, dq, qinv}) {
      if (v == null || v.signum() <= 0) {
        return false;
      }
    }
    return n.bitLength() >= 1024
        && e.testBit(0)
        && p.testBit(0)
        && q.testBit(0)
        && p.bitLength() > 1
        && q.bitLength() > 1
        && p.multiply(q).equals(n);
  }

  /** RSASSA-PSS-SIGN with a given salt, unchecked (tests compare it with the JDK's). */
  static byte[] signWithSalt(RSAPrivateCrtKey key, byte[] data, byte[] salt)
      throws GeneralSecurityException {
    int bits = key.getModulus().bitLength();
    return privateOperation(key, EmsaPss.encodeForRawRsa(sha256(data), bits, salt), bits);
  }

  private static byte[] sha256(byte[] data) throws GeneralSecurityException {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  /**
   * RSASP1 by CRT over an encoded block, as a signature of the modulus length: the half mod q on a
   * second thread while this one does the half mod p.
   */
  private static byte[] privateOperation(RSAPrivateCrtKey key, byte[] block, int bits)
      throws GeneralSecurityException {
    BigInteger m = new BigInteger(1, block);
    SecureRandom random = Random.SOURCE;
    BigInteger n = key.getModulus();
    if (m.compareTo(n) >= 0) {
      throw new GeneralSecurityException("message representative out of range");
    }
    BigInteger e = key.getPublicExponent();
    BigInteger p = key.getPrimeP();
    BigInteger q = key.getPrimeQ();
    Half hq = new Half(m, e, q, key.getPrimeExponentQ(), blindingResidue(q, random));
    BigInteger rp = blindingResidue(p, random);
    Thread t = new Thread(hq, "rsa-crt");
    t.setDaemon(true);
    t.start();
    BigInteger mp = Half.power(m, e, p, key.getPrimeExponentP(), rp);
    UnaryOperator<BigInteger> fault = faultForTest;
    if (fault != null) {
      mp = fault.apply(mp);
    }
    try {
      t.join();
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new GeneralSecurityException("interrupted");
    }
    BigInteger mq = hq.result;
    if (mq == null) {
      throw new GeneralSecurityException("the half mod q failed", hq.failure);
    }
    // Garner: s = mq + q·(qInv·(mp − mq) mod p)
    BigInteger h = mp.subtract(mq).multiply(key.getCrtCoefficient()).mod(p);
    return unsigned(mq.add(h.multiply(q)), (bits + 7) / 8);
  }

  /** The blinding source, made on first use. */
  private static final class Random {
    static final SecureRandom SOURCE = new SecureRandom();

    private Random() {}
  }

  /** A random residue in [1, prime) for blinding. */
  private static BigInteger blindingResidue(BigInteger prime, SecureRandom random) {
    BigInteger r;
    do {
      r = new BigInteger(prime.bitLength(), random).mod(prime);
    } while (r.signum() == 0);
    return r;
  }

  /** One CRT half: {@code m^d mod prime}, base-blinded with residue r. */
  private static final class Half implements Runnable {
    private final BigInteger m;
    private final BigInteger e;
    private final BigInteger prime;
    private final BigInteger d;
    private final BigInteger r;
    volatile BigInteger result;
    volatile RuntimeException failure;

    Half(BigInteger m, BigInteger e, BigInteger prime, BigInteger d, BigInteger r) {
      this.m = m;
      this.e = e;
      this.prime = prime;
      this.d = d;
      this.r = r;
    }

    @Override
    public void run() {
      try {
        result = power(m, e, prime, d, r);
      } catch (RuntimeException ex) {
        failure = ex;
      }
    }

    /** (m·r^e)^d·r^-1 mod prime = m^d mod prime, as e·d ≡ 1 mod (prime − 1). */
    static BigInteger power(
        BigInteger m, BigInteger e, BigInteger prime, BigInteger d, BigInteger r) {
      BigInteger blinded = m.mod(prime).multiply(r.modPow(e, prime)).mod(prime);
      return blinded.modPow(d, prime).multiply(r.modInverse(prime)).mod(prime);
    }
  }

  /** I2OSP: s as exactly k bytes, big-endian. */
  private static byte[] unsigned(BigInteger s, int k) throws GeneralSecurityException {
    byte[] b = s.toByteArray();
    if (b.length == k) {
      return b;
    }
    if (b.length == k + 1 && b[0] == 0) {
      return Arrays.copyOfRange(b, 1, b.length);
    }
    if (b.length < k) {
      byte[] out = new byte[k];
      System.arraycopy(b, 0, out, k - b.length, b.length);
      return out;
    }
    throw new GeneralSecurityException("signature representative too large");
  }
}
