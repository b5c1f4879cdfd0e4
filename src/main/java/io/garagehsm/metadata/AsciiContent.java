package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Signed content must be ASCII: ota-tuf signs non-ASCII raw while aktualizr verifies it {@code
 * \}u-escaped, so any non-ASCII character makes devices reject the signature (compat spec §7.3).
 * This check runs before anything is signed.
 */
public final class AsciiContent {
  private AsciiContent() {}

  /**
   * Throws a {@link MetadataException} naming the first field that holds a non-ASCII character.
   *
   * @param root a label for the top of the path, e.g. "signed"
   */
  public static void require(JsonNode node, String root) {
    if (isAscii(node)) {
      return; // the common case: no path strings built for a 100k-target tree
    }
    String bad = find(node, root);
    if (bad != null) {
      throw nonAscii(bad);
    }
  }

  /** True when every key and string in the tree is ASCII. */
  public static boolean isAscii(JsonNode node) {
    if (node.isTextual()) {
      return firstNonAscii(node.textValue()) < 0;
    }
    if (node.isContainerNode()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (firstNonAscii(e.getKey()) >= 0 || !isAscii(e.getValue())) {
          return false;
        }
      }
      if (node.isArray()) {
        for (JsonNode n : node) {
          if (!isAscii(n)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** The path of the first non-ASCII key or string, or null when all is ASCII. */
  public static String find(JsonNode node, String path) {
    if (node.isTextual()) {
      int at = firstNonAscii(node.textValue());
      return at < 0 ? null : path + " (" + describe(node.textValue(), at) + ")";
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String bad = findInMember(path, e.getKey(), e.getValue());
        if (bad != null) {
          return bad;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String bad = find(node.get(i), path + "[" + i + "]");
        if (bad != null) {
          return bad;
        }
      }
    }
    return null;
  }

  /**
   * {@link #find} for one member {@code key: value} of the object at {@code path}: the key is
   * checked before the value.
   */
  static String findInMember(String path, String key, JsonNode value) {
    String child = path + member(key);
    int at = firstNonAscii(key);
    if (at >= 0) {
      return "the key " + child + " (" + describe(key, at) + ")";
    }
    return find(value, child);
  }

  /** The error for a non-ASCII field found by {@link #find}. */
  static MetadataException nonAscii(String bad) {
    return new MetadataException(
        bad
            + " contains a non-ASCII character; ota-tuf and aktualizr canonicalise it"
            + " differently, so devices would reject the signature",
        "use ASCII only in metadata (e.g. spell 'cafe' for 'caf\u00e9')");
  }

  private static String member(String key) {
    return key.matches("[A-Za-z_][A-Za-z0-9_]*") ? "." + key : "[\"" + ascii(key) + "\"]";
  }

  private static String describe(String s, int at) {
    return String.format("U+%04X at offset %d", s.codePointAt(at), at);
  }

  /** Replaces non-ASCII with '?' so the error line itself stays printable on any terminal. */
  private static String ascii(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> b.append(cp < 0x80 && cp >= 0x20 ? (char) cp : '?'));
    return b.toString();
  }

  static boolean isAscii(String s) {
    return firstNonAscii(s) < 0;
  }

  private static int firstNonAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return i;
      }
    }
    return -1;
  }
}
