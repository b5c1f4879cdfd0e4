package io.garagehsm.metadata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * An unsigned targets file read without a tree of the whole role, for {@code targets sign} (100k
 * targets are a 55 MB file and were ~270 MiB of trees). Reading checks what {@link TargetsRole#of}
 * checks, with the same first error, and keeps the small top-level fields plus the targets'
 * canonical bytes; {@link #canonical} joins them, sorted, into the one array that is signed; {@link
 * #writeSigned} writes the envelope in garage-sign's file style. Both are byte-identical to the
 * tree path ({@link TargetsRole#json()}, {@link CanonicalJson}, {@link MetadataJson#writePretty}).
 *
 * <p>A file that fits the heap easily is read once and held: garage-sign's own style is then read
 * byte by byte ({@link TargetsScan}, no parser, ~10x faster), anything else with Jackson's
 * streaming parser over the held bytes. A larger file (a million targets at {@code -Xmx2g}) is
 * streamed twice, and must not change in between: the repository lock keeps garage-hsm out, and a
 * CRC-32C of both reads catches anything else.
 */
public final class StreamedTargets {
  private static final byte[] TYPE = "\"_type\":\"Targets\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TARGETS = "\"targets\":{".getBytes(StandardCharsets.US_ASCII);

  /** One target: its filename and the canonical bytes of {@code "filename":item}. */
  private record Member(String name, byte[] bytes) {}

  /**
   * Files up to maxMemory / this are read once and held (100k targets: 55 MB); larger ones are read
   * twice, streamed. Held, a file costs its size plus, while it is signed, about five times its
   * canonical size (which is about 2/3 of it): the canonical bytes, and Ed25519's two copies of the
   * message each for signing and for the parallel check.
   */
  private static final long ONE_READ_HEAP_FACTOR = 8;

  private final Path file;
  private final String what;
  private final long length;
  private final int crc;
  private final Instant expires;
  private final int version;
  private final ObjectNode delegations;
  private final JsonNode custom;
  private final String nonAsciiTarget;
  private final BitSet verbatim;

  /** The file's bytes when it was read once; null when it is read again to write. */
  private final byte[] bytes;

  /** The byte-level reading of {@link #bytes}, when the file is in its subset; else null. */
  private final TargetsScan scan;

  private List<Member> members;

  private StreamedTargets(Path file, byte[] bytes, Pass1 p, Instant expires, int version) {
    this.file = file;
    this.what = file.toString();
    this.bytes = bytes;
    this.scan = null;
    this.length = p.length;
    this.crc = p.crc;
    this.expires = expires;
    this.version = version;
    this.delegations = TargetsRole.delegationsOf(p.delegations, what);
    this.custom = TargetsRole.customOf(p.custom);
    this.nonAsciiTarget = p.nonAscii;
    this.members = p.members;
    this.verbatim = p.verbatim;
  }

  private StreamedTargets(
      Path file,
      byte[] bytes,
      TargetsScan scan,
      JsonNode delegations,
      JsonNode custom,
      Instant expires,
      int version) {
    this.file = file;
    this.what = file.toString();
    this.bytes = bytes;
    this.scan = scan;
    this.length = bytes.length;
    this.crc = 0;
    this.expires = expires;
    this.version = version;
    this.delegations = TargetsRole.delegationsOf(delegations, what);
    this.custom = TargetsRole.customOf(custom);
    this.nonAsciiTarget = null; // the scan accepts printable ASCII only
    this.members = new ArrayList<>(0); // the scan writes the targets' canonical bytes
    this.verbatim = null;
  }

  /**
   * Reads and checks an unsigned targets file (a regular file of up to {@link
   * InputFile#ROLE_FILE_MAX}); errors name it, as {@link MetadataJson#read} and {@link
   * TargetsRole#of} do. A file that fits the heap easily is read once and held; a larger one is
   * streamed, and read again by {@link #writeSigned}.
   */
  public static StreamedTargets read(Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      size = Long.MAX_VALUE; // the streamed read words the error
    }
    return read(file, size <= Runtime.getRuntime().maxMemory() / ONE_READ_HEAP_FACTOR);
  }

  /** {@link #read}, held in memory or streamed twice as asked (tests compare the two). */
  static StreamedTargets read(Path file, boolean once) {
    byte[] bytes = null;
    if (once) {
      bytes = readExactly(file);
      TargetsScan s = TargetsScan.scan(bytes);
      if (s != null) {
        return scanned(file, bytes, s);
      }
    }
    String what = file.toString();
    Pass1 p = new Pass1(what);
    try (CheckedInput in = new CheckedInput(open(file, bytes));
        JsonParser parser = MetadataJson.parser(in)) {
      p.document(parser);
      p.length = in.count;
      p.crc = (int) in.crc.getValue();
    } catch (JsonProcessingException e) {
      throw MetadataJson.invalid(e, what);
    } catch (IOException e) {
      throw InputFile.unreadable(file, e);
    }
    // Only now, with the whole file parsed (syntax errors anywhere come first), the checks of
    // TargetsRole.of in its order.
    if (!p.isObject) {
      throw new MetadataException(what + " must hold a JSON object");
    }
    TargetsRole.checkType(p.type, what);
    Instant expires = TargetsRole.expiresOf(p.expires, what);
    int version = TargetsRole.versionOf(p.version, what);
    if (!p.targetsSeen) {
      throw TargetsRole.noTargets(what);
    }
    if (p.itemError != null) {
      throw p.itemError;
    }
    return new StreamedTargets(file, bytes, p, expires, version);
  }

  /**
   * The file's bytes, as {@link InputFile#read} reads them, into one array of the size the file had
   * (InputFile's growing buffers would make a 55 MB file 110 MB of allocation and a young
   * collection); a file that grew meanwhile is read InputFile's way.
   */
  private static byte[] readExactly(Path file) {
    try (InputStream in = InputFile.open(file, InputFile.ROLE_FILE_MAX, "a JSON file")) {
      long size = Files.size(file);
      byte[] b = new byte[(int) Math.min(size, InputFile.ROLE_FILE_MAX)];
      int n = in.readNBytes(b, 0, b.length);
      if (n == b.length && in.read() < 0) {
        return b;
      }
    } catch (IOException e) {
      throw InputFile.unreadable(file, e);
    }
    return InputFile.read(file, InputFile.ROLE_FILE_MAX, "a JSON file");
  }

  /** The held bytes, or the file again. */
  private static InputStream open(Path file, byte[] bytes) {
    return bytes != null
        ? new ByteArrayInputStream(bytes)
        : InputFile.open(file, InputFile.ROLE_FILE_MAX, "a JSON file");
  }

  /**
   * A file the byte-level scan accepted: it is valid JSON, an object with one {@code targets}
   * object of valid targets, so only the checks of the small top-level fields remain, in the order
   * of {@link TargetsRole#of}, on values Jackson decodes from their bytes.
   */
  private static StreamedTargets scanned(Path file, byte[] bytes, TargetsScan s) {
    String what = file.toString();
    JsonNode[] fields = new JsonNode[TargetsScan.FIELDS.length];
    try {
      for (int i = 0; i < fields.length; i++) {
        int from = s.fieldFrom[i];
        if (from >= 0) {
          try (JsonParser p =
              MetadataJson.parser(new ByteArrayInputStream(bytes, from, s.fieldTo[i] - from))) {
            p.nextToken();
            fields[i] = MetadataJson.readValue(p);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("a value the scan accepted does not parse", e);
    }
    TargetsRole.checkType(fields[0], what);
    Instant expires = TargetsRole.expiresOf(fields[1], what);
    int version = TargetsRole.versionOf(fields[2], what);
    return new StreamedTargets(file, bytes, s, fields[3], fields[4], expires, version);
  }

  /** Whether the file was read once and held (else it is read again to write). */
  boolean heldInMemory() {
    return bytes != null;
  }

  /** Whether the byte-level scan read it (else Jackson did). */
  boolean scanned() {
    return scan != null;
  }

  public Instant expires() {
    return expires;
  }

  public int version() {
    return version;
  }

  /**
   * Refuses non-ASCII signed content as {@link SignedMetadata#requireAscii()} does on the tree: the
   * first offending field in file order (targets, then delegations, then custom).
   */
  public void requireAscii() {
    String bad = nonAsciiTarget;
    if (bad == null && delegations != null && !AsciiContent.isAscii(delegations)) {
      bad = AsciiContent.findInMember("signed", "delegations", delegations);
    }
    if (bad == null && custom != null && !AsciiContent.isAscii(custom)) {
      bad = AsciiContent.findInMember("signed", "custom", custom);
    }
    if (bad != null) {
      throw AsciiContent.nonAscii(bad);
    }
  }

  /**
   * The canonical bytes of the re-encoded role with this version and expiry: what is signed. Call
   * once: the per-target bytes are released as they are joined.
   */
  public byte[] canonical(int newVersion, Instant newExpires) {
    List<Member> m = members;
    if (m == null) {
      throw new IllegalStateException("canonical() was already called");
    }
    members = null;
    m.sort(Comparator.comparing(Member::name)); // String order: UTF-16 code units, as ota-tuf
    long scanned = scan == null ? 0 : scan.canonicalSize();
    CanonicalJson.MemberEncoder enc = new CanonicalJson.MemberEncoder();
    List<byte[]> head = new ArrayList<>(4);
    head.add(TYPE);
    if (custom != null) {
      head.add(enc.member("custom", custom));
    }
    if (delegations != null) {
      head.add(enc.member("delegations", delegations));
    }
    head.add(enc.member("expires", MetadataJson.nodes().textNode(Expiry.format(newExpires))));
    byte[] tail = enc.member("version", MetadataJson.nodes().numberNode(newVersion));
    long total = 1 + TARGETS.length + 1 + 1 + tail.length + 1;
    for (byte[] h : head) {
      total += h.length + 1;
    }
    for (Member x : m) {
      total += x.bytes.length + 1;
    }
    if (scan != null) {
      total += scanned + (scan.count > 0 ? 1 : 0);
    }
    boolean none = m.isEmpty() && (scan == null || scan.count == 0);
    if (total > Integer.MAX_VALUE - 8) {
      throw new MetadataException(what + " is too large to sign: its canonical form exceeds 2 GB");
    }
    byte[] out = new byte[(int) total - (none ? 0 : 1)];
    int at = 0;
    out[at++] = '{';
    for (byte[] h : head) {
      at = put(out, at, h);
      out[at++] = ',';
    }
    at = put(out, at, TARGETS);
    if (scan != null) {
      scan.writeCanonical(out, at);
      at += (int) scanned;
    }
    for (int i = 0; i < m.size(); i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      at = put(out, at, m.get(i).bytes);
      m.set(i, null);
    }
    out[at++] = '}';
    out[at++] = ',';
    at = put(out, at, tail);
    out[at++] = '}';
    if (at != out.length) {
      throw new IllegalStateException("canonical size " + at + " != " + out.length);
    }
    return out;
  }

  private static int put(byte[] out, int at, byte[] b) {
    System.arraycopy(b, 0, out, at, b.length);
    return at + b.length;
  }

  /**
   * Writes {@code {"signatures": […], "signed": {…}}} in garage-sign's file style, the role
   * re-encoded with this version and expiry, reading the targets from the file again.
   *
   * @throws MetadataException when the file changed since {@link #read}
   */
  public void writeSigned(
      OutputStream out, List<TufSignature> signatures, int newVersion, Instant newExpires)
      throws IOException {
    JsonGenerator g = MetadataJson.prettyGenerator(out);
    g.writeStartObject();
    g.writeFieldName("signatures");
    g.writeStartArray();
    for (TufSignature s : signatures) {
      MetadataJson.writeTree(g, s.toJson());
    }
    g.writeEndArray();
    g.writeFieldName("signed");
    g.writeStartObject();
    g.writeStringField("expires", Expiry.format(newExpires));
    g.writeFieldName("targets");
    if (scan == null) {
      g.writeStartObject();
      copyTargets(g);
      g.writeEndObject();
    } else if (scan.count == 0) {
      g.writeRawValue(new SerializedString("{ }"));
    } else {
      // the separator and the opening brace through the generator, which then continues after
      // the closing brace as after any value; the members in between straight to the stream
      g.writeRawValue(new SerializedString("{"));
      g.flush();
      scan.writeTargets(out);
      out.write(TARGETS_END);
    }
    g.writeNumberField("version", newVersion);
    if (delegations != null) {
      g.writeFieldName("delegations");
      MetadataJson.writeTree(g, delegations);
    }
    if (custom != null) {
      g.writeFieldName("custom");
      MetadataJson.writeTree(g, custom);
    }
    g.writeStringField("_type", "Targets");
    g.writeEndObject();
    g.writeEndObject();
    g.close();
  }

  /** The end of {@code signed.targets} in the pretty form: its members are at level 3. */
  private static final byte[] TARGETS_END = "\n    }".getBytes(StandardCharsets.US_ASCII);

  /** The second read: each target re-encoded into the generator, in file order. */
  private void copyTargets(JsonGenerator g) throws IOException {
    MetadataException failure = null;
    CheckedInput in = new CheckedInput(open(file, bytes));
    try (in;
        JsonParser p = MetadataJson.parser(in)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (!field.equals("targets") || t != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        for (int i = 0; p.nextToken() == JsonToken.FIELD_NAME; i++) {
          String name = p.currentName();
          p.nextToken();
          g.writeFieldName(name);
          if (verbatim.get(i)) {
            MetadataJson.copyValue(p, g);
          } else {
            ObjectNode item =
                TargetsRole.item(MetadataJson.readValue(p), what + " target \"" + name + "\"");
            MetadataJson.writeTree(g, item);
          }
        }
      }
      in.drain();
    } catch (JsonProcessingException | MetadataException e) {
      failure = changed(e);
    }
    if (failure != null || in.count != length || (int) in.crc.getValue() != crc) {
      throw failure != null ? failure : changed(null);
    }
  }

  private MetadataException changed(Exception cause) {
    return new MetadataException(
        what + " changed while it was being signed; nothing was written",
        "sign again, and do not edit the repository while garage-hsm works on it",
        cause);
  }

  /** The first read: everything TargetsRole.of needs, checks deferred to the end. */
  private static final class Pass1 {
    final String what;
    final CanonicalJson.MemberEncoder enc = new CanonicalJson.MemberEncoder();
    boolean isObject;
    boolean targetsSeen;
    JsonNode type;
    JsonNode expires;
    JsonNode version;
    JsonNode delegations;
    JsonNode custom;
    List<Member> members = new ArrayList<>();

    /** Targets (by index) that are already in re-encoded form: the second read copies them. */
    final BitSet verbatim = new BitSet();

    MetadataException itemError;
    String nonAscii;
    long length;
    int crc;

    Pass1(String what) {
      this.what = what;
    }

    void document(JsonParser p) throws IOException {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new MetadataException(what + " is empty, expected JSON");
      }
      isObject = first == JsonToken.START_OBJECT;
      if (!isObject) {
        MetadataJson.readValue(p);
      } else {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          if (field.equals("targets") && t == JsonToken.START_OBJECT) {
            targetsSeen = true;
            targets(p);
            continue;
          }
          JsonNode v = MetadataJson.readValue(p);
          switch (field) {
            case "_type" -> type = v;
            case "expires" -> expires = v;
            case "version" -> version = v;
            case "delegations" -> delegations = v;
            case "custom" -> custom = v;
            default -> {} // dropped, as ota-tuf's codec drops unknown fields
          }
        }
      }
      if (p.nextToken() != null) {
        throw new MetadataException(
            what + " is not valid JSON: unexpected content after the top-level value");
      }
    }

    private void targets(JsonParser p) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = MetadataJson.readValue(p);
        if (itemError != null) {
          continue; // parsed on: a syntax error later in the file is still reported first
        }
        try {
          TargetsRole.checkFilename(name, what);
          String itemWhat = what + " target \"" + name + "\"";
          TargetsRole.checkItem(value, itemWhat);
          JsonNode item;
          if (TargetsRole.isReencoded(value)) {
            item = value; // a fresh tree, used once: no copy
            verbatim.set(members.size());
          } else {
            item = TargetsRole.item(value, itemWhat);
          }
          if (nonAscii == null && !(AsciiContent.isAscii(name) && AsciiContent.isAscii(item))) {
            nonAscii = AsciiContent.findInMember("signed.targets", name, item);
          }
          members.add(new Member(name, enc.member(name, item)));
        } catch (MetadataException e) {
          itemError = e;
          members = null;
        }
      }
    }
  }
}
