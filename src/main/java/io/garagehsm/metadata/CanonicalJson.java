package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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
    Out out = new Out(4096);
    write(node, out);
    return out.toByteArray();
  }

  /** Canonical form as a string. */
  public static String encodeToString(JsonNode node) {
    return new String(encode(node), StandardCharsets.UTF_8);
  }

  /** Lower-case hex SHA-256 of the canonical form: the role checksum of §9.3. */
  public static String sha256Hex(JsonNode node) {
    return HexFormat.of().formatHex(sha256(encode(node)));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(JsonNode node, Out out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> names = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          names.add(it.next().getKey());
        }
        names.sort(null); // String.compareTo: UTF-16 code-unit order, as ota-tuf
        out.write('{');
        boolean first = true;
        for (String name : names) {
          if (!first) {
            out.write(',');
          }
          first = false;
          writeString(name, out);
          out.write(':');
          write(node.get(name), out);
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
    out.write('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
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
          } else if (c < 0x80) {
            out.write(c);
          } else {
            // Non-ASCII is written raw as UTF-8 (ota-tuf); surrogate pairs go together.
            int end = i + 1;
            if (Character.isHighSurrogate(c) && end < s.length()) {
              end++;
            }
            out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
            i = end - 1;
          }
        }
      }
    }
    out.write('"');
  }

  /** A growable byte buffer without ByteArrayOutputStream's synchronisation. */
  private static final class Out extends ByteArrayOutputStream {
    Out(int size) {
      super(size);
    }

    @Override
    public void write(int b) {
      if (count == buf.length) {
        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      }
      buf[count++] = (byte) b;
    }

    void writeAscii(String s) {
      for (int i = 0; i < s.length(); i++) {
        write(s.charAt(i));
      }
    }

    @Override
    public void writeBytes(byte[] b) {
      for (byte x : b) {
        write(x);
      }
    }
  }
}
