package io.garagehsm.cli;

/**
 * Text from inputs (file contents, URIs, config.json, server answers, target names, token labels)
 * made safe to print as one terminal line: control characters, line separators and bidirectional
 * overrides become visible escapes, so no input can move the cursor, retitle the terminal, forge an
 * {@code error:} line or reorder what is shown. Every diagnostic goes through {@link #escape}.
 */
final class TerminalText {
  private TerminalText() {}

  static String escape(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String e = escapeOf(c);
      if (e != null && out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (out != null) {
        if (e != null) {
          out.append(e);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? s : out.toString();
  }

  private static String escapeOf(char c) {
    switch (c) {
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      default:
        break;
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return String.format("\\x%02x", (int) c);
    }
    boolean invisibleControl =
        (c >= 0x202a && c <= 0x202e) // bidi embeddings and overrides
            || (c >= 0x2066 && c <= 0x2069) // bidi isolates
            || c == 0x2028
            || c == 0x2029
            || c == 0x200e
            || c == 0x200f
            || c == 0x061c;
    return invisibleControl ? String.format("\\u%04x", (int) c) : null;
  }
}
