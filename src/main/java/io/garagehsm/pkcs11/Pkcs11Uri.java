package io.garagehsm.pkcs11;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An RFC 7512 {@code pkcs11:} URI naming a token or an object on a token.
 *
 * <p>Immutable. {@link #toString()} prints a canonical form (fixed attribute order, minimal
 * percent-encoding, {@code id} always as {@code %XX} bytes) that {@link #parse} reads back to an
 * equal URI. A {@code pin-value} attribute is refused: PINs never travel in command-line values.
 */
public final class Pkcs11Uri {

  /** Path attributes in canonical print order; {@code id} is kept separately as bytes. */
  private static final List<String> PATH_ATTRIBUTES =
      List.of(
          "token",
          "manufacturer",
          "serial",
          "model",
          "library-manufacturer",
          "library-description",
          "library-version",
          "slot-id",
          "slot-description",
          "slot-manufacturer",
          "object",
          "type",
          "id");

  private static final List<String> QUERY_ATTRIBUTES =
      List.of("module-path", "module-name", "pin-source");

  private static final Set<String> OBJECT_TYPES =
      Set.of("public", "private", "cert", "secret-key", "data");

  private static final Pattern LIBRARY_VERSION = Pattern.compile("\\d+(\\.\\d+)?");
  private static final Pattern SLOT_ID = Pattern.compile("\\d{1,19}");

  /** Unreserved characters (RFC 3986) that never need escaping. */
  private static final String UNRESERVED =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

  /** RFC 7512 pk11-pchar besides unreserved (note: no ';', '?', '/'). */
  private static final String PATH_EXTRA = ":[]@!$'()*+,=&";

  /** RFC 7512 pk11-qchar besides unreserved (note: no '&'). */
  private static final String QUERY_EXTRA = "/?|:[]@!$'()*+,=";

  private final Map<String, String> path;
  private final byte[] id;
  private final Map<String, String> query;

  private Pkcs11Uri(Map<String, String> path, byte[] id, Map<String, String> query) {
    this.path = Collections.unmodifiableMap(new LinkedHashMap<>(path));
    this.id = id == null ? null : id.clone();
    this.query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
  }

  /** A URI with no attributes at all ({@code pkcs11:}), matching every token. */
  public static Pkcs11Uri empty() {
    return new Pkcs11Uri(Map.of(), null, Map.of());
  }

  /** A token URI selecting by label. */
  public static Pkcs11Uri forToken(String tokenLabel) {
    return empty().with("token", tokenLabel);
  }

  /**
   * Parses a {@code pkcs11:} URI.
   *
   * @throws IllegalArgumentException with a one-line message naming the offending attribute
   */
  public static Pkcs11Uri parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.strip();
    if (!trimmed.regionMatches(true, 0, "pkcs11:", 0, 7)) {
      throw invalid("it must start with 'pkcs11:'");
    }
    String rest = trimmed.substring(7);
    int q = rest.indexOf('?');
    String pathPart = q < 0 ? rest : rest.substring(0, q);
    String queryPart = q < 0 ? "" : rest.substring(q + 1);

    Map<String, String> path = new LinkedHashMap<>();
    byte[] id = null;
    for (String component : split(pathPart, ';')) {
      int eq = component.indexOf('=');
      if (eq <= 0) {
        throw invalid("path component '" + component + "' is not of the form name=value");
      }
      String name = component.substring(0, eq).toLowerCase(Locale.ROOT);
      String raw = component.substring(eq + 1);
      refusePinValue(name);
      if (!PATH_ATTRIBUTES.contains(name) && !name.startsWith("x-")) {
        throw invalid(
            "unknown path attribute '"
                + name
                + "' (known: "
                + String.join(", ", PATH_ATTRIBUTES)
                + ")");
      }
      if (path.containsKey(name) || ("id".equals(name) && id != null)) {
        throw invalid("attribute '" + name + "' appears more than once");
      }
      byte[] bytes = percentDecode(name, raw);
      if ("id".equals(name)) {
        id = bytes;
      } else {
        path.put(name, utf8(name, bytes));
      }
    }

    Map<String, String> query = new LinkedHashMap<>();
    for (String component : split(queryPart, '&')) {
      int eq = component.indexOf('=');
      if (eq <= 0) {
        throw invalid("query component '" + component + "' is not of the form name=value");
      }
      String name = component.substring(0, eq).toLowerCase(Locale.ROOT);
      refusePinValue(name);
      if (!QUERY_ATTRIBUTES.contains(name) && !name.startsWith("x-")) {
        throw invalid(
            "unknown query attribute '"
                + name
                + "' (known: "
                + String.join(", ", QUERY_ATTRIBUTES)
                + ")");
      }
      if (query.containsKey(name)) {
        throw invalid("attribute '" + name + "' appears more than once");
      }
      query.put(name, utf8(name, percentDecode(name, component.substring(eq + 1))));
    }
    Pkcs11Uri uri = new Pkcs11Uri(path, id, query);
    uri.validate();
    return uri;
  }

  private void validate() {
    String type = path.get("type");
    if (type != null && !OBJECT_TYPES.contains(type)) {
      throw invalid(
          "attribute 'type' must be one of public, private, cert, secret-key, data, not '"
              + type
              + "'");
    }
    String version = path.get("library-version");
    if (version != null && !LIBRARY_VERSION.matcher(version).matches()) {
      throw invalid("attribute 'library-version' must look like 2 or 2.40, not '" + version + "'");
    }
    String slot = path.get("slot-id");
    if (slot != null && !SLOT_ID.matcher(slot).matches()) {
      throw invalid("attribute 'slot-id' must be a decimal number, not '" + slot + "'");
    }
    for (String name : List.of("token", "object", "module-path", "module-name")) {
      String value = path.containsKey(name) ? path.get(name) : query.get(name);
      if (value != null && value.isEmpty()) {
        throw invalid("attribute '" + name + "' is empty");
      }
    }
  }

  private static void refusePinValue(String name) {
    if ("pin-value".equals(name)) {
      throw invalid(
          "attribute 'pin-value' is refused: PINs never go into command-line values;"
              + " use --pin-file, --pin-env, pin-source=file:... or GARAGE_HSM_PIN");
    }
  }

  private static List<String> split(String part, char separator) {
    if (part.isEmpty()) {
      return List.of();
    }
    return Arrays.asList(part.split(Pattern.quote(String.valueOf(separator)), -1));
  }

  private static byte[] percentDecode(String name, String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()
            || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          String bad = raw.substring(i, Math.min(raw.length(), i + 3));
          throw invalid("attribute '" + name + "' has a bad percent-escape '" + bad + "'");
        }
        out.write(
            Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else if (c <= ' ' || c >= 0x7f || "\"<>\\^`{}#".indexOf(c) >= 0) {
        throw invalid(
            "attribute '"
                + name
                + "' contains a character that must be percent-encoded: '"
                + c
                + "'");
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static String utf8(String name, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid("attribute '" + name + "' is not valid UTF-8 after percent-decoding");
    }
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException("invalid pkcs11: URI: " + why);
  }

  // ---- accessors -------------------------------------------------------------------------

  /** The token label ({@code token}). */
  public Optional<String> token() {
    return attribute("token");
  }

  public Optional<String> manufacturer() {
    return attribute("manufacturer");
  }

  /** The token serial number ({@code serial}). */
  public Optional<String> serial() {
    return attribute("serial");
  }

  public Optional<String> model() {
    return attribute("model");
  }

  public Optional<String> libraryManufacturer() {
    return attribute("library-manufacturer");
  }

  public Optional<String> libraryDescription() {
    return attribute("library-description");
  }

  public Optional<String> libraryVersion() {
    return attribute("library-version");
  }

  /** The slot ID; parsed but used for selection only when it is the sole token attribute. */
  public Optional<Long> slotId() {
    return attribute("slot-id").map(Long::parseUnsignedLong);
  }

  /** The object label ({@code object}, i.e. CKA_LABEL). */
  public Optional<String> object() {
    return attribute("object");
  }

  /** The object class ({@code type}): public, private, cert, secret-key or data. */
  public Optional<String> type() {
    return attribute("type");
  }

  /** The CKA_ID bytes ({@code id}); a copy. */
  public Optional<byte[]> id() {
    return Optional.ofNullable(id).map(byte[]::clone);
  }

  public Optional<String> modulePath() {
    return Optional.ofNullable(query.get("module-path"));
  }

  public Optional<String> moduleName() {
    return Optional.ofNullable(query.get("module-name"));
  }

  /** Where to read the PIN from: a {@code file:} URI or a path. */
  public Optional<String> pinSource() {
    return Optional.ofNullable(query.get("pin-source"));
  }

  /** Any path attribute by its RFC 7512 name (not {@code id}). */
  public Optional<String> attribute(String name) {
    return Optional.ofNullable(path.get(name));
  }

  /** True when the URI names at least one token-identifying attribute other than slot-id. */
  public boolean hasTokenSelector() {
    return token().isPresent()
        || serial().isPresent()
        || manufacturer().isPresent()
        || model().isPresent();
  }

  /** True when the URI names an object by label or id. */
  public boolean hasObjectSelector() {
    return object().isPresent() || id != null;
  }

  // ---- derived URIs ----------------------------------------------------------------------

  /** This URI without object attributes ({@code object}, {@code id}, {@code type}). */
  public Pkcs11Uri tokenPart() {
    Map<String, String> p = new LinkedHashMap<>(path);
    p.remove("object");
    p.remove("type");
    return new Pkcs11Uri(p, null, query);
  }

  /** The token part of this URI naming the given object; either argument may be null. */
  public Pkcs11Uri withObject(String label, byte[] idBytes) {
    Map<String, String> p = new LinkedHashMap<>(tokenPart().path);
    if (label != null && !label.isEmpty()) {
      p.put("object", label);
    }
    return new Pkcs11Uri(p, idBytes == null || idBytes.length == 0 ? null : idBytes, query);
  }

  /** A copy with the given path attribute set (or removed when value is null). */
  public Pkcs11Uri with(String name, String value) {
    if (!PATH_ATTRIBUTES.contains(name) || "id".equals(name)) {
      throw new IllegalArgumentException("not a settable path attribute: " + name);
    }
    Map<String, String> p = new LinkedHashMap<>(path);
    if (value == null) {
      p.remove(name);
    } else {
      p.put(name, value);
    }
    return new Pkcs11Uri(p, id, query);
  }

  /** A copy with the given query attribute set (or removed when value is null). */
  public Pkcs11Uri withQuery(String name, String value) {
    refusePinValue(name);
    if (!QUERY_ATTRIBUTES.contains(name)) {
      throw new IllegalArgumentException("not a query attribute: " + name);
    }
    Map<String, String> q = new LinkedHashMap<>(query);
    if (value == null) {
      q.remove(name);
    } else {
      q.put(name, value);
    }
    return new Pkcs11Uri(path, id, q);
  }

  /**
   * This URI without what names a local file: {@code module-path}, {@code pin-source} and a {@code
   * module-name} that is a path. What a reference from an untrusted source (a credentials.zip) may
   * keep: the token and object it selects, never the library to load or a file to read.
   */
  public Pkcs11Uri withoutLocalFiles() {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.remove("module-path");
    q.remove("pin-source");
    String name = q.get("module-name");
    if (name != null && !isPlainModuleName(name)) {
      q.remove("module-name");
    }
    return new Pkcs11Uri(path, id, q);
  }

  /** True for a p11-kit module name ({@code softhsm2}, {@code opensc-pkcs11.so}), not a path. */
  public static boolean isPlainModuleName(String name) {
    return !name.isEmpty() && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && !name.equals("..");
  }

  /** The URI without its query (no module or PIN source), for display and identity. */
  public Pkcs11Uri withoutQuery() {
    return new Pkcs11Uri(path, id, Map.of());
  }

  // ---- printing --------------------------------------------------------------------------

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("pkcs11:");
    boolean first = true;
    for (String name : canonicalPathOrder()) {
      if ("id".equals(name)) {
        if (id == null) {
          continue;
        }
        sb.append(first ? "" : ";").append("id=");
        for (byte b : id) {
          sb.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
        }
      } else {
        String value = path.get(name);
        if (value == null) {
          continue;
        }
        sb.append(first ? "" : ";").append(name).append('=').append(encode(value, PATH_EXTRA));
      }
      first = false;
    }
    first = true;
    for (String name : canonicalQueryOrder()) {
      String value = query.get(name);
      if (value == null) {
        continue;
      }
      sb.append(first ? "?" : "&").append(name).append('=').append(encode(value, QUERY_EXTRA));
      first = false;
    }
    return sb.toString();
  }

  private List<String> canonicalPathOrder() {
    List<String> order = new java.util.ArrayList<>(PATH_ATTRIBUTES);
    path.keySet().stream().filter(n -> !PATH_ATTRIBUTES.contains(n)).sorted().forEach(order::add);
    return order;
  }

  private List<String> canonicalQueryOrder() {
    List<String> order = new java.util.ArrayList<>(QUERY_ATTRIBUTES);
    query.keySet().stream().filter(n -> !QUERY_ATTRIBUTES.contains(n)).sorted().forEach(order::add);
    return order;
  }

  private static String encode(String value, String extraAllowed) {
    StringBuilder sb = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (UNRESERVED.indexOf(c) >= 0 || extraAllowed.indexOf(c) >= 0)) {
        sb.append(c);
      } else {
        sb.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
      }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pkcs11Uri other
        && path.equals(other.path)
        && Arrays.equals(id, other.id)
        && query.equals(other.query);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, Arrays.hashCode(id), query);
  }
}
