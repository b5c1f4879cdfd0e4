package io.garagehsm.server;

/**
 * Text a server chose (error descriptions, reasons, redirect targets), made safe for a one-line
 * message: control characters, line and paragraph separators and bidirectional overrides become
 * {@code \\uXXXX} escapes, so a hostile answer cannot rewrite the terminal or forge extra lines,
 * and the text is cut at 300 characters.
 */
final class ServerText {
  static final int MAX = 300;

  private ServerText() {}

  static String printable(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX + 16));
    for (int i = 0; i < s.length() && b.length() < MAX; i++) {
      char c = s.charAt(i);
      if (c < 0x20
          || (c >= 0x7f && c <= 0x9f)
          || c == '\u2028'
          || c == '\u2029'
          || (c >= '\u202a' && c <= '\u202e')
          || (c >= '\u2066' && c <= '\u2069')) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() >= MAX && s.length() > MAX) {
      b.setLength(MAX);
      b.append('…');
    }
    return b.toString();
  }
}
