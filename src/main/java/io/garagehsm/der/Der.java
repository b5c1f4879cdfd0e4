package io.garagehsm.der;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The DER encoding this tool needs, and no more: building tag-length-value elements (key wrappers,
 * a minimal X.509 certificate) and reading a few nested elements back.
 */
public final class Der {
  private Der() {}

  /** A tag-length-value element with the given tag and the contents concatenated. */
  public static byte[] tlv(int tag, byte[]... parts) {
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

  public static byte[] sequence(byte[]... contents) {
    return tlv(0x30, contents);
  }

  public static byte[] set(byte[]... contents) {
    return tlv(0x31, contents);
  }

  public static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  public static byte[] utf8String(String s) {
    return tlv(0x0c, s.getBytes(StandardCharsets.UTF_8));
  }

  /** A BIT STRING with no unused bits. */
  public static byte[] bitString(byte[] bytes) {
    byte[] withUnusedBits = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, withUnusedBits, 1, bytes.length);
    return tlv(0x03, withUnusedBits);
  }

  public static byte[] utcTime(String yymmddhhmmssZ) {
    return tlv(0x17, yymmddhhmmssZ.getBytes(StandardCharsets.US_ASCII));
  }

  public static byte[] generalizedTime(String yyyymmddhhmmssZ) {
    return tlv(0x18, yyyymmddhhmmssZ.getBytes(StandardCharsets.US_ASCII));
  }

  /** Sequential reader over DER elements. */
  public static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public Reader(byte[] buf) {
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

    public Reader enter(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
      return new Reader(buf, h[0], h[0] + h[1]);
    }

    public byte[] read(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
      return Arrays.copyOfRange(buf, h[0], h[0] + h[1]);
    }

    public void skip(int tag) {
      int[] h = header(tag);
      pos = h[0] + h[1];
    }
  }
}
