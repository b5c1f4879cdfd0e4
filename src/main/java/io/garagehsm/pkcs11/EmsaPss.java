package io.garagehsm.pkcs11;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * EMSA-PSS encoding (RFC 8017 §9.1.1) with SHA-256, MGF1-SHA-256 and a 32-byte salt, done on the
 * host so that a token offering only raw RSA (CKM_RSA_X_509) can make RSASSA-PSS signatures: the
 * token applies the private-key operation to the encoded block. Many smart cards, older PIV applets
 * and tpm2-pkcs11 through a JNI wrapper (which frees the PSS parameters before C_Sign) need this.
 */
public final class EmsaPss {

  /** uptane-sign's salt length. */
  public static final int SALT_LENGTH = 32;

  private static final int H_LEN = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private EmsaPss() {}

  /**
   * The block to hand to raw RSA for a key of {@code modulusBits}: the EMSA-PSS encoding of {@code
   * sha256Digest} with a fresh random salt, left-padded to the modulus length.
   */
  public static byte[] encodeForRawRsa(byte[] sha256Digest, int modulusBits) {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    return encodeForRawRsa(sha256Digest, modulusBits, salt);
  }

  /**
   * As {@link #encodeForRawRsa(byte[], int)} with a given salt of {@link #SALT_LENGTH} bytes (tests
   * compare the result with the JDK's for the same salt).
   */
  public static byte[] encodeForRawRsa(byte[] sha256Digest, int modulusBits, byte[] salt) {
    if (sha256Digest.length != H_LEN) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes");
    }
    if (salt.length != SALT_LENGTH) {
      throw new IllegalArgumentException("the salt has 32 bytes");
    }
    int emBits = modulusBits - 1;
    int emLen = (emBits + 7) / 8;
    if (emLen < H_LEN + SALT_LENGTH + 2) {
      throw new IllegalArgumentException(
          "RSA key of " + modulusBits + " bits is too short for PSS");
    }
    MessageDigest sha256 = sha256();
    // M' = 0x00 * 8 || mHash || salt ; H = Hash(M')
    sha256.update(new byte[8]);
    sha256.update(sha256Digest);
    sha256.update(salt);
    byte[] h = sha256.digest();
    // DB = PS || 0x01 || salt
    int dbLen = emLen - H_LEN - 1;
    byte[] db = new byte[dbLen];
    db[dbLen - SALT_LENGTH - 1] = 0x01;
    System.arraycopy(salt, 0, db, dbLen - SALT_LENGTH, SALT_LENGTH);
    byte[] mask = mgf1(h, dbLen);
    for (int i = 0; i < dbLen; i++) {
      db[i] ^= mask[i];
    }
    // clear the leftmost 8*emLen - emBits bits
    int clear = 8 * emLen - emBits;
    db[0] &= (byte) (0xff >>> clear);
    int k = (modulusBits + 7) / 8;
    byte[] block = new byte[k];
    int offset = k - emLen;
    System.arraycopy(db, 0, block, offset, dbLen);
    System.arraycopy(h, 0, block, offset + dbLen, H_LEN);
    block[k - 1] = (byte) 0xbc;
    return block;
  }

  /** A raw-RSA result as a signature of the modulus length (some tokens drop leading zeros). */
  static byte[] leftPad(byte[] signature, int modulusBits) {
    int k = (modulusBits + 7) / 8;
    if (signature.length == k) {
      return signature;
    }
    if (signature.length > k) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "raw RSA returned " + signature.length + " bytes for a " + modulusBits + "-bit key");
    }
    byte[] padded = new byte[k];
    System.arraycopy(signature, 0, padded, k - signature.length, signature.length);
    return padded;
  }

  private static byte[] mgf1(byte[] seed, int length) {
    MessageDigest sha256 = sha256();
    byte[] out = new byte[length];
    int done = 0;
    for (int counter = 0; done < length; counter++) {
      sha256.update(seed);
      sha256.update(
          new byte[] {
            (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter
          });
      byte[] block = sha256.digest();
      int n = Math.min(block.length, length - done);
      System.arraycopy(block, 0, out, done, n);
      done += n;
      Arrays.fill(block, (byte) 0);
    }
    return out;
  }

  static byte[] sha256(byte[] message) {
    return sha256().digest(message);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
