package io.garagehsm.metadata;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BaseJsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reading and writing metadata JSON. Parsing keeps object key order and number literals as written,
 * and rejects duplicate keys (two readers could otherwise disagree on what was signed). Writing
 * produces garage-sign's file style: two-space indent, {@code "name" : value}, LF, no trailing
 * newline. Always UTF-8, whatever the platform charset.
 */
public final class MetadataJson {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final DefaultPrettyPrinter PRETTY;

  static {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    PRETTY = new DefaultPrettyPrinter().withObjectIndenter(indenter).withArrayIndenter(indenter);
  }

  private MetadataJson() {}

  /**
   * Jackson's mapper, built only for node types the writer below does not handle itself (POJO
   * values other than {@link RawNumber}, binary). Building it costs a short command a tenth of its
   * run ({@code ObjectMapper}'s class initialisation sets up date formats and locale data), so the
   * common trees of metadata never need it.
   */
  private static final class Databind {
    static final ObjectMapper MAPPER =
        JsonMapper.builder(FACTORY).disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build();
  }

  /** A fresh empty object node. */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A fresh empty array node. */
  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /** The shared node factory. */
  public static JsonNodeFactory nodes() {
    return NODES;
  }

  /**
   * Parses JSON text.
   *
   * @param what names the input in error messages, e.g. a file path
   */
  public static JsonNode parse(byte[] json, String what) {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new MetadataException(what + " is empty, expected JSON");
      }
      JsonNode node = read(p);
      if (p.nextToken() != null) {
        throw new MetadataException(
            what + " is not valid JSON: unexpected content after the top-level value");
      }
      return node;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw invalid(e, what);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The one-line error for JSON the parser refused. */
  static MetadataException invalid(
      com.fasterxml.jackson.core.JsonProcessingException e, String what) {
    // limit errors (nesting depth, string or number length) carry no location
    String reason = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
    String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    return new MetadataException(what + " is not valid JSON: " + reason + at, null, e);
  }

  /** A parser over a stream with the same rules as {@link #parse} (strict duplicate keys). */
  static JsonParser parser(InputStream in) throws IOException {
    return STREAMING.createParser(in);
  }

  /**
   * {@link #FACTORY} without interning field names: a streamed targets file has one name per
   * target, and interning 100k names that are used once costs more than it saves.
   */
  private static final JsonFactory STREAMING =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .build();

  /** A generator in garage-sign's pretty file style; the stream stays open when it is closed. */
  static JsonGenerator prettyGenerator(OutputStream out) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setPrettyPrinter(PRETTY.createInstance());
    return g;
  }

  /** A compact generator ({@link #compact}'s form); the stream stays open when it is closed. */
  static JsonGenerator compactGenerator(OutputStream out) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    return g;
  }

  /**
   * Copies the value at the parser's current token to the generator, as {@link #readValue} then
   * {@link #writeTree} would (numbers as their literal), without building it.
   */
  static void copyValue(JsonParser p, JsonGenerator g) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          g.writeFieldName(p.currentName());
          p.nextToken();
          copyValue(p, g);
        }
        g.writeEndObject();
      }
      case START_ARRAY -> {
        g.writeStartArray();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          copyValue(p, g);
        }
        g.writeEndArray();
      }
      case VALUE_STRING ->
          g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
      case VALUE_TRUE -> g.writeBoolean(true);
      case VALUE_FALSE -> g.writeBoolean(false);
      case VALUE_NULL -> g.writeNull();
      default -> throw new MetadataException("unexpected JSON token " + p.currentToken());
    }
  }

  /**
   * Writes a tree token by token, exactly as Jackson's mapper writes it ({@link RawNumber} as its
   * literal), without a serializer provider: the streaming targets path writes 100k small trees,
   * and a short command never builds the mapper (only other POJO and binary nodes need it).
   */
  static void writeTree(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          g.writeFieldName(e.getKey());
          writeTree(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode v : n) {
          writeTree(g, v);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(n.textValue());
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL -> g.writeNull();
      case NUMBER -> {
        switch (n.numberType()) {
          case INT -> g.writeNumber(n.intValue());
          case LONG -> g.writeNumber(n.longValue());
          case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
          case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
          case FLOAT -> g.writeNumber(n.floatValue());
          default -> g.writeNumber(n.doubleValue());
        }
      }
      case POJO -> {
        if (((POJONode) n).getPojo() instanceof RawNumber r) {
          g.writeNumber(r.literal());
        } else {
          ((BaseJsonNode) n).serialize(g, Databind.MAPPER.getSerializerProviderInstance());
        }
      }
      default -> ((BaseJsonNode) n).serialize(g, Databind.MAPPER.getSerializerProviderInstance());
    }
  }

  /** Parses a JSON string. */
  public static JsonNode parse(String json, String what) {
    return parse(json.getBytes(StandardCharsets.UTF_8), what);
  }

  /** Reads and parses a JSON file of up to {@link InputFile#ROLE_FILE_MAX}; errors name it. */
  public static JsonNode read(Path file) {
    return read(file, InputFile.ROLE_FILE_MAX, "a JSON file");
  }

  /** Reads and parses a JSON file of up to {@code max} bytes; errors name the file. */
  public static JsonNode read(Path file, long max, String kind) {
    return parse(InputFile.read(file, max, kind), file.toString());
  }

  /**
   * The integer {@code version} of a metadata file, read by streaming (a 100k-target file is not
   * built as a tree): the top-level field of an unsigned file, or {@code signed.version} of an
   * envelope. Empty when the file is missing, unreadable, or has no integer version.
   */
  public static OptionalInt versionIn(Path file, boolean envelope) {
    if (!Files.isRegularFile(file)) {
      return OptionalInt.empty();
    }
    try (JsonParser p = FACTORY.createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return OptionalInt.empty();
      }
      if (envelope && !enterField(p, "signed")) {
        return OptionalInt.empty();
      }
      if (enterField(p, "version")
          && p.currentToken() == JsonToken.VALUE_NUMBER_INT
          && p.getNumberType() == JsonParser.NumberType.INT) {
        return OptionalInt.of(p.getIntValue());
      }
      return OptionalInt.empty();
    } catch (IOException e) {
      return OptionalInt.empty();
    }
  }

  /**
   * Writes an unsigned role file in the pretty file style with its top-level {@code version}
   * replaced, by streaming: what {@code put("version", version)} on its tree and {@link
   * #writePretty} give, without the tree (100k targets).
   */
  public static void writeWithVersion(Path file, int version, OutputStream out) {
    String what = file.toString();
    try (InputStream in = InputFile.open(file, InputFile.ROLE_FILE_MAX, "a JSON file");
        JsonParser p = parser(in);
        JsonGenerator g = prettyGenerator(out)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MetadataException(what + " must hold a JSON object");
      }
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        g.writeFieldName(field);
        if (field.equals("version")) {
          g.writeNumber(version);
          p.skipChildren();
        } else {
          copyValue(p, g);
        }
      }
      g.writeEndObject();
      if (p.nextToken() != null) {
        throw new MetadataException(
            what + " is not valid JSON: unexpected content after the top-level value");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw invalid(e, what);
    } catch (IOException e) {
      throw InputFile.unreadable(file, e);
    }
  }

  /** Moves to the value of {@code name} in the current object; false at the object's end. */
  private static boolean enterField(JsonParser p, String name) throws IOException {
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (field.equals(name)) {
        return v == JsonToken.START_OBJECT || v.isScalarValue();
      }
      p.skipChildren();
    }
    return false;
  }

  /** Parses an object; anything else is an error naming the input. */
  public static ObjectNode parseObject(byte[] json, String what) {
    JsonNode n = parse(json, what);
    if (!n.isObject()) {
      throw new MetadataException(what + " must hold a JSON object");
    }
    return (ObjectNode) n;
  }

  /** Reads an object from a stream (e.g. an HTTP body or a zip entry). */
  public static ObjectNode parseObject(InputStream in, String what) {
    try {
      return parseObject(in.readAllBytes(), what);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Strings up to this length are shared between equal values within one parse. */
  private static final int SHARED_STRING_MAX = 40;

  private static JsonNode read(JsonParser p) throws IOException {
    return read(p, new HashMap<>());
  }

  /** Builds the tree of the value at the parser's current token (no strings shared). */
  static JsonNode readValue(JsonParser p) throws IOException {
    return read(p, null);
  }

  /**
   * Builds the tree. Two memory savings matter for large targets files (100k targets are 55 MB of
   * JSON; trees dominate the heap of {@code targets sign}): equal short strings (names, versions,
   * hardware IDs, {@code targetFormat}, {@code createdAt == updatedAt}) share one immutable
   * TextNode, and objects get maps sized to their fields instead of Jackson's default 16 slots.
   */
  private static JsonNode read(JsonParser p, Map<String, TextNode> strings) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        List<String> names = new ArrayList<>();
        List<JsonNode> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          names.add(p.currentName());
          p.nextToken();
          values.add(read(p, strings));
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>((int) (names.size() / 0.75f) + 1);
        for (int i = 0; i < names.size(); i++) {
          fields.put(names.get(i), values.get(i));
        }
        return new ObjectNode(NODES, fields);
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(read(p, strings));
        }
        return a;
      }
      case VALUE_STRING -> {
        String text = p.getText();
        if (strings == null || text.length() > SHARED_STRING_MAX) {
          return NODES.textNode(text);
        }
        return strings.computeIfAbsent(text, NODES::textNode);
      }
      case VALUE_NUMBER_INT -> {
        String text = p.getText();
        BigInteger v = new BigInteger(text);
        if (!v.toString().equals(text)) {
          return NODES.pojoNode(new RawNumber(text));
        }
        if (v.bitLength() < 32) {
          return NODES.numberNode(v.intValue());
        }
        if (v.bitLength() < 64) {
          return NODES.numberNode(v.longValue());
        }
        return NODES.numberNode(v);
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.pojoNode(new RawNumber(p.getText()));
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new MetadataException("unexpected JSON token " + t);
    }
  }

  /** garage-sign's pretty file style, UTF-8, no trailing newline. */
  public static byte[] pretty(JsonNode node) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writePretty(node, out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the pretty file form to a stream, which stays open (large files are streamed). */
  public static void writePretty(JsonNode node, OutputStream out) throws IOException {
    try (JsonGenerator g = prettyGenerator(out)) {
      writeTree(g, node);
    }
  }

  /** Pretty form as a string. */
  public static String prettyString(JsonNode node) {
    return new String(pretty(node), StandardCharsets.UTF_8);
  }

  /** Compact JSON in the node's own field order (what garage-sign sends in request bodies). */
  public static byte[] compact(JsonNode node) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        writeTree(g, node);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
