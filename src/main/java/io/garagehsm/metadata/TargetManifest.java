package io.garagehsm.metadata;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A manifest of many targets for one {@code targets add} or {@code targets add-uploaded} run: a
 * JSON array of objects, or JSON Lines (one object per line; blank lines ignored). Each object has
 * the fields of the single-target flags, named as the flags without dashes ({@code name}, {@code
 * version}, {@code length}, {@code sha256}, {@code hardwareids} (array or comma-separated string),
 * {@code format}, {@code url}, {@code customMeta} (object); {@code input} instead of length and
 * sha256 for add-uploaded). The whole manifest is read and its shape checked before the caller
 * changes anything; every error names the entry (number, line, {@code name-version} when known).
 */
public final class TargetManifest {
  /** What the entries describe, which decides the fields allowed and required. */
  public enum Kind {
    /** {@code targets add}: length and SHA-256 given. */
    ADD(
        Set.of("name", "version", "length", "sha256", "hardwareids"),
        Set.of("format", "url", "customMeta")),
    /** {@code targets add-uploaded}: a local file whose length and SHA-256 are computed. */
    ADD_UPLOADED(Set.of("input", "name", "version", "hardwareids"), Set.of("customMeta"));

    private final Set<String> required;
    private final Set<String> optional;

    Kind(Set<String> required, Set<String> optional) {
      this.required = required;
      this.optional = optional;
    }
  }

  /**
   * One target of the manifest, as given (values are checked by the caller like flag values).
   *
   * @param number 1-based position in the manifest
   * @param line line of the manifest where the entry starts
   * @param length null for add-uploaded
   * @param customMeta the customMeta object as JSON text, or null
   * @param input the file of an add-uploaded entry, or null
   */
  public record Entry(
      String source,
      int number,
      int line,
      String name,
      String version,
      Long length,
      String sha256,
      List<String> hardwareIds,
      String format,
      String url,
      String customMeta,
      String input) {

    /** "manifest.json, entry 3 (line 7, app-1.0)": where an error is. */
    public String where() {
      String id = name != null && version != null ? ", " + name + "-" + version : "";
      return source + ", entry " + number + " (line " + line + id + ")";
    }
  }

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

  /** As large as a role file may be: the targets end up in one. */
  static final long MAX_BYTES = InputFile.ROLE_FILE_MAX;

  private TargetManifest() {}

  /**
   * Reads a whole manifest.
   *
   * @param source how errors name it (the file, or "the manifest on standard input")
   * @throws MetadataException naming the entry for anything malformed; nothing is returned then
   */
  public static List<Entry> read(InputStream in, String source, Kind kind) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bounded(in, source)))
              .toString();
    } catch (CharacterCodingException e) {
      throw new MetadataException(source + " is not UTF-8 text", "write the manifest as UTF-8");
    } catch (IOException e) {
      throw new MetadataException("cannot read " + source + ": " + e.getMessage());
    }
    String trimmed = text.stripLeading();
    List<Entry> entries =
        trimmed.startsWith("[") ? readArray(text, source, kind) : readLines(text, source, kind);
    if (entries.isEmpty()) {
      throw new MetadataException(
          source + " lists no targets", "give a JSON array of objects or one object per line");
    }
    return entries;
  }

  /** The whole manifest, at most as large as a role file may be (a FIFO or /dev/zero stops). */
  private static byte[] bounded(InputStream in, String source) throws IOException {
    byte[] b = in.readNBytes((int) Math.min(MAX_BYTES + 1, Integer.MAX_VALUE - 8));
    if (b.length > MAX_BYTES) {
      throw new MetadataException(
          source + " is larger than " + InputFile.human(MAX_BYTES) + ", the limit for a manifest",
          "split it into several runs");
    }
    return b;
  }

  private static List<Entry> readArray(String text, String source, Kind kind) {
    List<Entry> entries = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(text)) {
      p.setCodec(MAPPER);
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new MetadataException(source + " is not a JSON array");
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw new MetadataException(source + " ends inside the array");
        }
        int line = p.currentTokenLocation().getLineNr();
        int number = entries.size() + 1;
        JsonNode node = p.readValueAsTree();
        entries.add(entry(node, source, number, line, kind));
      }
      if (p.nextToken() != null) {
        throw new MetadataException(
            source + " has content after the array (line " + p.currentLocation().getLineNr() + ")");
      }
    } catch (JsonParseException e) {
      throw new MetadataException(
          source
              + " is not valid JSON at line "
              + e.getLocation().getLineNr()
              + ": "
              + e.getOriginalMessage(),
          "entry " + (entries.size() + 1) + " or the one before it is malformed",
          e);
    } catch (IOException e) {
      throw new MetadataException("cannot read " + source + ": " + e.getMessage());
    }
    return entries;
  }

  private static List<Entry> readLines(String text, String source, Kind kind) {
    List<Entry> entries = new ArrayList<>();
    int lineNumber = 0;
    for (String line : (Iterable<String>) text.lines()::iterator) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      int number = entries.size() + 1;
      JsonNode node;
      try (JsonParser p = FACTORY.createParser(line)) {
        p.setCodec(MAPPER);
        node = p.readValueAsTree();
        if (p.nextToken() != null) {
          throw new MetadataException(
              source + ", entry " + number + " (line " + lineNumber + "): more than one value",
              "JSON Lines: one object per line");
        }
      } catch (JsonParseException e) {
        throw new MetadataException(
            source
                + ", entry "
                + number
                + " (line "
                + lineNumber
                + ") is not valid JSON: "
                + e.getOriginalMessage(),
            "JSON Lines: one complete object per line",
            e);
      } catch (IOException e) {
        throw new MetadataException("cannot read " + source + ": " + e.getMessage());
      }
      entries.add(entry(node, source, number, lineNumber, kind));
    }
    return entries;
  }

  private static Entry entry(JsonNode node, String source, int number, int line, Kind kind) {
    String where = source + ", entry " + number + " (line " + line + ")";
    if (node == null || !node.isObject()) {
      throw new MetadataException(where + " is not a JSON object");
    }
    String name = text(node, "name", where);
    String version = text(node, "version", where);
    if (name != null && version != null) {
      where = source + ", entry " + number + " (line " + line + ", " + name + "-" + version + ")";
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      String field = canonical(it.next().getKey());
      if (!kind.required.contains(field) && !kind.optional.contains(field)) {
        throw new MetadataException(
            where + ": unknown field \"" + field + "\"",
            "fields: " + String.join(", ", sorted(kind)));
      }
    }
    for (String field : kind.required) {
      if (get(node, field) == null || get(node, field).isNull()) {
        throw new MetadataException(where + ": \"" + field + "\" is missing");
      }
    }
    Long length = null;
    JsonNode len = get(node, "length");
    if (len != null) {
      if (!len.isIntegralNumber() || !len.canConvertToLong()) {
        throw new MetadataException(where + ": \"length\" must be a whole number of bytes");
      }
      length = len.longValue();
    }
    JsonNode meta = get(node, "customMeta");
    String customMeta = null;
    if (meta != null && !meta.isNull()) {
      if (!meta.isObject()) {
        throw new MetadataException(where + ": \"customMeta\" must be a JSON object");
      }
      customMeta = meta.toString();
    }
    return new Entry(
        source,
        number,
        line,
        name,
        version,
        length,
        text(node, "sha256", where),
        hardwareIds(get(node, "hardwareids"), where),
        text(node, "format", where),
        text(node, "url", where),
        customMeta,
        text(node, "input", where));
  }

  /** {@code hardwareIds} (the target's own spelling) is accepted for {@code hardwareids}. */
  private static String canonical(String field) {
    return field.equals("hardwareIds") ? "hardwareids" : field;
  }

  private static JsonNode get(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null && field.equals("hardwareids")) {
      v = node.get("hardwareIds");
    }
    return v;
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode v = get(node, field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new MetadataException(where + ": \"" + field + "\" must be a string");
    }
    return v.textValue();
  }

  private static List<String> hardwareIds(JsonNode v, String where) {
    if (v == null || v.isNull()) {
      return null;
    }
    List<String> ids = new ArrayList<>();
    if (v.isTextual()) {
      for (String s : v.textValue().split(",", -1)) {
        ids.add(s);
      }
      return ids;
    }
    if (!v.isArray()) {
      throw new MetadataException(
          where + ": \"hardwareids\" must be an array of strings or a comma-separated string");
    }
    for (JsonNode id : v) {
      if (!id.isTextual()) {
        throw new MetadataException(where + ": \"hardwareids\" must hold strings only");
      }
      ids.add(id.textValue());
    }
    return ids;
  }

  private static List<String> sorted(Kind kind) {
    List<String> all = new ArrayList<>(kind.required);
    all.addAll(kind.optional);
    all.sort(String.CASE_INSENSITIVE_ORDER);
    return all;
  }
}
