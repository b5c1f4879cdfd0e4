package io.garagehsm.pkcs11;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** The few DER encodings a minimal X.509 certificate needs. */
final class DerWriter {
  private DerWriter() {}

  static byte[] tlv(int tag, byte[]... contents) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] c : contents) {
      body.writeBytes(c);
    }
    byte[] value = body.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
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
    out.writeBytes(value);
    return out.toByteArray();
  }

  static byte[] sequence(byte[]... contents) {
    return tlv(0x30, contents);
  }

  static byte[] set(byte[]... contents) {
    return tlv(0x31, contents);
  }

  static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  static byte[] utf8String(String s) {
    return tlv(0x0c, s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bitString(byte[] bytes) {
    byte[] withUnusedBits = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, withUnusedBits, 1, bytes.length);
    return tlv(0x03, withUnusedBits);
  }

  static byte[] utcTime(String yymmddhhmmssZ) {
    return tlv(0x17, yymmddhhmmssZ.getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] generalizedTime(String yyyymmddhhmmssZ) {
    return tlv(0x18, yyyymmddhhmmssZ.getBytes(StandardCharsets.US_ASCII));
  }
}
