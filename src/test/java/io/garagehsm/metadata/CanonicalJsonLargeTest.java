package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The buffered encoder and the streamed checksum against a plain reference encoder, on documents
 * larger than the encoder's buffers, with every kind of escape and non-ASCII in between.
 */
class CanonicalJsonLargeTest {
  private static final String ALPHABET =
      "abcXYZ_/ \"\\\b\f\n\r\t\u0001\u001f\u00e9\u20ac\ud83d\ude00";

  @Test
  void bufferedEncodingAndStreamedChecksumMatchTheReference() {
    SplittableRandom rnd = new SplittableRandom(7);
    ObjectNode root = MetadataJson.object();
    for (int i = 0; i < 3000; i++) {
      ObjectNode o = root.putObject(randomString(rnd, 1 + rnd.nextInt(20)) + i);
      o.put("s", randomString(rnd, rnd.nextInt(60)));
      o.put("n", rnd.nextLong());
      o.put("b", rnd.nextBoolean());
      o.putNull("z");
      ArrayNode a = o.putArray("a");
      for (int j = 0; j < 3; j++) {
        a.add(randomString(rnd, rnd.nextInt(10)));
      }
    }
    root.put("long", randomString(rnd, 200_000)); // longer than the 64 KiB digest window
    byte[] expected = reference(root).getBytes(StandardCharsets.UTF_8);

    byte[] actual = CanonicalJson.encode(root);

    assertArrayEquals(expected, actual);
    assertEquals(
        HexFormat.of().formatHex(CanonicalJson.sha256(expected)), CanonicalJson.sha256Hex(root));
  }

  private static String randomString(SplittableRandom rnd, int length) {
    StringBuilder b = new StringBuilder();
    while (b.length() < length) {
      int i = rnd.nextInt(ALPHABET.length() + 40);
      if (i >= ALPHABET.length()) {
        b.append((char) ('a' + i % 26));
      } else if (Character.isHighSurrogate(ALPHABET.charAt(i))) {
        b.append(ALPHABET, i, i + 2);
      } else if (!Character.isLowSurrogate(ALPHABET.charAt(i))) {
        b.append(ALPHABET.charAt(i));
      }
    }
    return b.toString();
  }

  /** Compat spec §7.2, written the obvious way. */
  private static String reference(JsonNode n) {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        names.add(it.next().getKey());
      }
      names.sort(null);
      StringBuilder b = new StringBuilder("{");
      for (String name : names) {
        if (b.length() > 1) {
          b.append(',');
        }
        b.append(quote(name)).append(':').append(reference(n.get(name)));
      }
      return b.append('}').toString();
    }
    if (n.isArray()) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < n.size(); i++) {
        b.append(i > 0 ? "," : "").append(reference(n.get(i)));
      }
      return b.append(']').toString();
    }
    if (n.isTextual()) {
      return quote(n.textValue());
    }
    return n.isNull() ? "null" : n.isBoolean() ? String.valueOf(n.booleanValue()) : n.toString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
