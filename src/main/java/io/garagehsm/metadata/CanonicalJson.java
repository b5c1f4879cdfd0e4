package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The canonical form ota-tuf signs (compat spec §7.2): object keys sorted by UTF-16 code unit,
 * compact, only {@code "}, {@code \} and C0 controls escaped, {@code /} and non-ASCII raw, number
 * literals as written, UTF-8. The only producer of signed bytes and role checksums.
 */
public final class CanonicalJson {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private CanonicalJson() {}

  /** Canonical UTF-8 bytes of a JSON value. */
  public static byte[] encode(JsonNode node) {
    Out out = new Out(4096, null);
    write(node, out);
    return out.toByteArray();
  }

  /** Canonical form as a string. */
  public static String encodeToString(JsonNode node) {
    return new String(encode(node), StandardCharsets.UTF_8);
  }

  /**
   * Lower-case hex SHA-256 of the canonical form: the role checksum of §9.3. The canonical bytes
   * are streamed through the digest in 64 KiB chunks, never held whole (a 100k-target envelope is
   * 35 MB).
   */
  public static String sha256Hex(JsonNode node) {
    Out out = new Out(1 << 16, sha256());
    write(node, out);
    return HexFormat.of().formatHex(out.digest());
  }

  /**
   * Canonical bytes of {@code "key":value} (one member of an object), for encoders that sort the
   * members of a large object themselves. Reuses its buffer between calls; not thread-safe.
   */
  static final class MemberEncoder {
    private final Out out = new Out(1 << 12, null);

    byte[] member(String key, JsonNode value) {
      out.reset();
      writeString(key, out);
      out.write(':');
      write(value, out);
      return out.toByteArray();
    }

    byte[] value(JsonNode value) {
      out.reset();
      write(value, out);
      return out.toByteArray();
    }
  }

  static byte[] sha256(byte[] data) {
    return sha256().digest(data);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Comparator<Map.Entry<String, JsonNode>> BY_KEY =
      Map.Entry.comparingByKey(); // String.compareTo: UTF-16 code-unit order, as ota-tuf

  private static void write(JsonNode node, Out out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          fields.add(it.next());
        }
        fields.sort(BY_KEY);
        out.write('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : fields) {
          if (!first) {
            out.write(',');
          }
          first = false;
          writeString(field.getKey(), out);
          out.write(':');
          write(field.getValue(), out);
        }
        out.write('}');
      }
      case ARRAY -> {
        out.write('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.write(',');
          }
          write(node.get(i), out);
        }
        out.write(']');
      }
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.writeAscii(node.numberValue().toString());
      case BOOLEAN -> out.writeAscii(node.booleanValue() ? "true" : "false");
      case NULL -> out.writeAscii("null");
      case POJO -> {
        Object v = ((POJONode) node).getPojo();
        if (v instanceof RawNumber n) {
          out.writeAscii(n.literal());
        } else {
          throw new IllegalArgumentException("not JSON: " + v);
        }
      }
      default -> throw new IllegalArgumentException("not JSON: " + node.getNodeType());
    }
  }

  private static void writeString(String s, Out out) {
    int n = s.length();
    // Room for every remaining char as one byte plus the closing quote; the slow paths below
    // restore this after writing more than one byte for a char.
    out.ensure(n + 2);
    out.buf[out.count++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        out.buf[out.count++] = (byte) c; // the common case: printable ASCII
        continue;
      }
      switch (c) {
        case '"' -> out.writeAscii("\\\"");
        case '\\' -> out.writeAscii("\\\\");
        case '\b' -> out.writeAscii("\\b");
        case '\f' -> out.writeAscii("\\f");
        case '\n' -> out.writeAscii("\\n");
        case '\r' -> out.writeAscii("\\r");
        case '\t' -> out.writeAscii("\\t");
        default -> {
          if (c < 0x20) {
            out.writeAscii("\\u00");
            out.write(HEX[c >> 4]);
            out.write(HEX[c & 0xf]);
          } else {
            // Non-ASCII is written raw as UTF-8 (ota-tuf); surrogate pairs go together.
            int end = i + 1;
            if (Character.isHighSurrogate(c) && end < n) {
              end++;
            }
            out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
            i = end - 1;
          }
        }
      }
      out.ensure(n - i + 1);
    }
    out.buf[out.count++] = '"';
  }

  /**
   * A byte sink without ByteArrayOutputStream's synchronisation. Without a digest it collects
   * chunks of at most 1 MiB and joins them once at the end, so a 37 MB document costs 37 MB of
   * chunks plus the 37 MB result, not a doubling buffer (up to 64 MB) plus a copy. With a digest it
   * is a window: full buffers are fed to the digest and reused.
   */
  private static final class Out {
    private static final int MAX_CHUNK = 1 << 20;
    byte[] buf;
    int count;
    private final MessageDigest digest;
    private final List<byte[]> full = new ArrayList<>();
    private long fullBytes;

    Out(int size, MessageDigest digest) {
      this.buf = new byte[size];
      this.digest = digest;
    }

    /** Makes room for {@code n} more contiguous bytes in {@link #buf}. */
    void ensure(int n) {
      if (buf.length - count >= n) {
        return;
      }
      if (digest != null) {
        digest.update(buf, 0, count);
        count = 0;
        if (buf.length < n) {
          buf = new byte[n];
        }
        return;
      }
      full.add(count == buf.length ? buf : Arrays.copyOf(buf, count));
      fullBytes += count;
      buf = new byte[Math.max(Math.min(buf.length * 2, MAX_CHUNK), n)];
      count = 0;
    }

    /** Empties the sink for reuse (no digest). */
    void reset() {
      full.clear();
      fullBytes = 0;
      count = 0;
    }

    void write(int b) {
      if (count == buf.length) {
        ensure(1);
      }
      buf[count++] = (byte) b;
    }

    void writeAscii(String s) {
      ensure(s.length());
      for (int i = 0; i < s.length(); i++) {
        buf[count++] = (byte) s.charAt(i);
      }
    }

    void writeBytes(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, count, b.length);
      count += b.length;
    }

    byte[] toByteArray() {
      if (full.isEmpty()) {
        return Arrays.copyOf(buf, count);
      }
      long total = fullBytes + count;
      if (total > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("canonical JSON larger than 2 GB");
      }
      byte[] out = new byte[(int) total];
      int at = 0;
      for (byte[] chunk : full) {
        System.arraycopy(chunk, 0, out, at, chunk.length);
        at += chunk.length;
      }
      System.arraycopy(buf, 0, out, at, count);
      return out;
    }

    byte[] digest() {
      digest.update(buf, 0, count);
      count = 0;
      return digest.digest();
    }
  }
}
