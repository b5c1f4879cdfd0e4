package io.garagehsm.metadata;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** The few DER operations key files need: wrapping and unwrapping PKCS#1 inside PKCS#8. */
final class Der {
  /** AlgorithmIdentifier for rsaEncryption with NULL parameters. */
  private static final byte[] RSA_ALG_ID = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private Der() {}

  /** A tag-length-value element with the given tag. */
  static byte[] tlv(int tag, byte[]... parts) {
    int len = 0;
    for (byte[] p : parts) {
      len += p.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
    out.write(tag);
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
  static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    return tlv(0x30, new byte[] {0x02, 0x01, 0x00}, RSA_ALG_ID, tlv(0x04, pkcs1));
  }

  /** PKCS#1 RSAPrivateKey out of a PKCS#8 PrivateKeyInfo. */
  static byte[] rsaPkcs8ToPkcs1(byte[] pkcs8) {
    Reader r = new Reader(pkcs8);
    Reader seq = r.enter(0x30);
    seq.skip(0x02); // version
    seq.skip(0x30); // algorithm
    return seq.read(0x04);
  }

  /** PKCS#1 RSAPublicKey wrapped as X.509 SubjectPublicKeyInfo. */
  static byte[] rsaPkcs1PublicToSpki(byte[] pkcs1) {
    byte[] bitString = new byte[pkcs1.length + 1];
    System.arraycopy(pkcs1, 0, bitString, 1, pkcs1.length);
    return tlv(0x30, RSA_ALG_ID, tlv(0x03, bitString));
  }

  /** Sequential reader over DER elements. */
  static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    Reader(byte[] buf) {
      this(buf, 0, buf.length);
    }

    private Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    private int[] header(int tag) {
      if (pos + 2 > end || (buf[pos] & 0xff) != tag) {
        throw new IllegalArgumentException("malformed DER: expected tag " + tag);
      }
      int p = pos + 1;
      int len = buf[p++] & 0xff;
      if (len >= 0x80) {
        int n = len & 0x7f;
        if (n < 1 || n > 3 || p + n > end) {
          throw new IllegalArgumentException("malformed DER length");
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (buf[p++] & 0xff);
        }
      }
      if (p + len > end) {
        throw new IllegalArgumentException("malformed DER: truncated");
      }
      return new int[] {p, len};
    }

    Reader enter(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
      return new Reader(buf, h[0], h[0] + h[1]);
    }

    byte[] read(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
      return Arrays.copyOfRange(buf, h[0], h[0] + h[1]);
    }

    void skip(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
    }
  }
}
