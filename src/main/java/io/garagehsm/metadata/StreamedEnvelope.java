package io.garagehsm.metadata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A signed envelope in a file (a pulled targets.json, roles/targets.json) read by streaming, for
 * {@code targets pull} and {@code targets push} of large roles: no tree of {@code signed.targets}
 * is built (100k targets are a ~50 MB file and were ~300 MiB of trees). The first read checks what
 * {@link MetadataJson#parse} and {@link SignedMetadata#fromJson} check, with the same errors, and
 * keeps the signatures, the small fields and, when asked, the canonical bytes of {@code signed};
 * {@link #writeSignedPretty} and {@link #writeCompact} read the file again and give what {@link
 * MetadataJson#writePretty} of {@link SignedMetadata#signed()} and {@link MetadataJson#compact} of
 * {@link SignedMetadata#toJson()} give. The file must not change in between: a CRC-32C of both
 * reads catches it (what was verified is what is written).
 */
public final class StreamedEnvelope {
  private static final String TARGETS = "targets";

  /** One target: its name and the canonical bytes of {@code "name":item}. */
  private record Member(String name, byte[] bytes) {}

  private final Path file;
  private final String what;
  private final long length;
  private final int crc;
  private final List<TufSignature> signatures;
  private final Map<String, JsonNode> signedFields;
  private final Map<String, JsonNode> extra;
  private final byte[] canonicalSigned;

  private StreamedEnvelope(Path file, String what, Pass1 p, List<TufSignature> sigs, byte[] c) {
    this.file = file;
    this.what = what;
    this.length = p.length;
    this.crc = p.crc;
    this.signatures = List.copyOf(sigs);
    this.signedFields = p.signedFields;
    this.extra = p.extra;
    this.canonicalSigned = c;
  }

  /**
   * Reads and checks an envelope in {@code file} (up to {@link InputFile#ROLE_FILE_MAX}); errors
   * name {@code what}, as {@code SignedMetadata.fromJson(MetadataJson.parse(bytes, what), what)}
   * does.
   *
   * @param canonical also compute the canonical bytes of {@code signed} (for {@link #verify} and
   *     {@link #checksum}); they are about as large as the file
   */
  public static StreamedEnvelope read(Path file, String what, boolean canonical) {
    Pass1 p = new Pass1(what, canonical);
    try (CheckedInput in =
            new CheckedInput(InputFile.open(file, InputFile.ROLE_FILE_MAX, "a JSON file"));
        JsonParser parser = MetadataJson.parser(in)) {
      p.document(parser); // to the end of the input: the count and CRC cover the whole file
      p.length = in.count;
      p.crc = (int) in.crc.getValue();
    } catch (JsonProcessingException e) {
      throw MetadataJson.invalid(e, what);
    } catch (IOException e) {
      throw InputFile.unreadable(file, e);
    }
    // the checks of SignedMetadata.fromJson, in its order, once the whole file parsed
    if (!p.isObject) {
      throw new MetadataException(what + " is not a signed metadata object");
    }
    if (!p.signedIsObject) {
      throw new MetadataException(
          what + " has no \"signed\" object", "is this an unsigned file? sign it first");
    }
    if (p.signatures == null || !p.signatures.isArray()) {
      throw new MetadataException(what + " has no \"signatures\" array");
    }
    List<TufSignature> sigs = new ArrayList<>();
    for (JsonNode s : p.signatures) {
      sigs.add(TufSignature.fromJson(s, what));
    }
    return new StreamedEnvelope(file, what, p, sigs, canonical ? p.canonicalSigned() : null);
  }

  public List<TufSignature> signatures() {
    return signatures;
  }

  /**
   * A top-level field of {@code signed} other than a {@code targets} object (those are streamed),
   * e.g. {@code expires}; a missing node when absent.
   */
  public JsonNode signedField(String name) {
    JsonNode n = signedFields.get(name);
    return n != null ? n : MissingNode.getInstance();
  }

  /** {@code version}, or -1 when absent or not a number, as {@link SignedMetadata#version()}. */
  public int version() {
    JsonNode v = signedFields.get("version");
    return v != null && v.isIntegralNumber() ? v.intValue() : -1;
  }

  /** The canonical bytes that signatures cover. */
  public byte[] canonicalSigned() {
    if (canonicalSigned == null) {
      throw new IllegalStateException("read without the canonical bytes");
    }
    return canonicalSigned;
  }

  /** As {@link SignedMetadata#verify}, over the canonical bytes read from the file. */
  public SignedMetadata.Verification verify(
      Map<String, TufKey> keys, Collection<String> roleKeyIds, int threshold) {
    return SignedMetadata.verify(signatures, canonicalSigned(), keys, roleKeyIds, threshold);
  }

  /** SHA-256 hex of the canonical envelope, as {@link SignedMetadata#checksum()}. */
  public String checksum() {
    byte[] signed = canonicalSigned();
    ArrayNode sigs = MetadataJson.array();
    signatures.forEach(s -> sigs.add(s.toJson()));
    Map<String, JsonNode> top = new LinkedHashMap<>();
    top.put("signatures", sigs);
    top.put("signed", null);
    extra.forEach(top::putIfAbsent);
    List<String> names = new ArrayList<>(top.keySet());
    names.sort(Comparator.naturalOrder()); // UTF-16 code units, as CanonicalJson
    MessageDigest d = sha256();
    CanonicalJson.MemberEncoder enc = new CanonicalJson.MemberEncoder();
    d.update((byte) '{');
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        d.update((byte) ',');
      }
      String n = names.get(i);
      if (n.equals("signed") && top.get(n) == null) {
        d.update("\"signed\":".getBytes(StandardCharsets.US_ASCII));
        d.update(signed);
      } else {
        d.update(enc.member(n, top.get(n)));
      }
    }
    d.update((byte) '}');
    return HexFormat.of().formatHex(d.digest());
  }

  /** The {@code signed} object in garage-sign's file style (the unsigned file of a pull). */
  public void writeSignedPretty(OutputStream out) throws IOException {
    JsonGenerator g = MetadataJson.prettyGenerator(out);
    reread(
        (field, p) -> {
          if (field.equals("signed")) {
            MetadataJson.copyValue(p, g);
          } else {
            p.skipChildren();
          }
        });
    g.close();
  }

  /**
   * The envelope as compact JSON in {@link SignedMetadata#toJson()}'s order (signatures, signed,
   * then other fields): what garage-sign sends in a request body.
   */
  public void writeCompact(OutputStream out) throws IOException {
    JsonGenerator g = MetadataJson.compactGenerator(out);
    g.writeStartObject();
    g.writeFieldName("signatures");
    g.writeStartArray();
    for (TufSignature s : signatures) {
      MetadataJson.writeTree(g, s.toJson());
    }
    g.writeEndArray();
    g.writeFieldName("signed");
    reread(
        (field, p) -> {
          if (field.equals("signed")) {
            MetadataJson.copyValue(p, g);
          } else {
            p.skipChildren();
          }
        });
    for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
      g.writeFieldName(e.getKey());
      MetadataJson.writeTree(g, e.getValue());
    }
    g.writeEndObject();
    g.close();
  }

  @FunctionalInterface
  private interface FieldVisitor {
    void visit(String field, JsonParser p) throws IOException;
  }

  /** The second read: each top-level field to {@code v}, then the CRC check. */
  private void reread(FieldVisitor v) throws IOException {
    MetadataException failure = null;
    CheckedInput in =
        new CheckedInput(InputFile.open(file, InputFile.ROLE_FILE_MAX, "a JSON file"));
    try (in;
        JsonParser p = MetadataJson.parser(in)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        v.visit(field, p);
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
        what + " changed while garage-hsm read it; nothing was written",
        "run the command again, and do not edit the repository while garage-hsm works on it",
        cause);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first read: the envelope's small parts as trees, the targets as canonical members. */
  private static final class Pass1 {
    final String what;
    final boolean canonical;
    final CanonicalJson.MemberEncoder enc = new CanonicalJson.MemberEncoder();
    boolean isObject;
    boolean signedIsObject;
    JsonNode signatures;
    final Map<String, JsonNode> signedFields = new LinkedHashMap<>();
    final Map<String, JsonNode> extra = new LinkedHashMap<>();
    List<Member> members;
    long length;
    int crc;

    Pass1(String what, boolean canonical) {
      this.what = what;
      this.canonical = canonical;
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
          if (field.equals("signed") && t == JsonToken.START_OBJECT) {
            signedIsObject = true;
            signed(p);
          } else if (field.equals("signed")) {
            MetadataJson.readValue(p);
          } else if (field.equals("signatures")) {
            signatures = MetadataJson.readValue(p);
          } else {
            extra.put(field, MetadataJson.readValue(p));
          }
        }
      }
      if (p.nextToken() != null) {
        throw new MetadataException(
            what + " is not valid JSON: unexpected content after the top-level value");
      }
    }

    private void signed(JsonParser p) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals(TARGETS) && t == JsonToken.START_OBJECT) {
          members = new ArrayList<>();
          targets(p);
        } else {
          signedFields.put(field, MetadataJson.readValue(p));
        }
      }
    }

    private void targets(JsonParser p) throws IOException {
      if (!canonical) {
        p.skipChildren();
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        members.add(new Member(name, enc.member(name, MetadataJson.readValue(p))));
      }
    }

    /** {@code signed}'s members sorted, the streamed targets object among them, joined. */
    byte[] canonicalSigned() {
      List<String> names = new ArrayList<>(signedFields.keySet());
      List<byte[]> parts = new ArrayList<>();
      if (members != null) {
        names.add(TARGETS);
      }
      names.sort(Comparator.naturalOrder()); // UTF-16 code units, as CanonicalJson
      long total = 2 + Math.max(0, names.size() - 1);
      for (String n : names) {
        byte[] b;
        if (members != null && n.equals(TARGETS)) {
          b = null;
          total += TARGETS.length() + 5 + Math.max(0, members.size() - 1); // "targets":{…}
          for (Member m : members) {
            total += m.bytes.length;
          }
        } else {
          b = enc.member(n, signedFields.get(n));
          total += b.length;
        }
        parts.add(b);
      }
      if (total > Integer.MAX_VALUE - 8) {
        throw new MetadataException(what + " is too large: its canonical form exceeds 2 GB");
      }
      byte[] out = new byte[(int) total];
      int at = 0;
      out[at++] = '{';
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          out[at++] = ',';
        }
        byte[] b = parts.get(i);
        if (b != null) {
          at = put(out, at, b);
          continue;
        }
        at = put(out, at, "\"targets\":{".getBytes(StandardCharsets.US_ASCII));
        List<Member> m = members;
        members = null;
        m.sort(Comparator.comparing(Member::name)); // String order: UTF-16 code units
        for (int j = 0; j < m.size(); j++) {
          if (j > 0) {
            out[at++] = ',';
          }
          at = put(out, at, m.get(j).bytes);
          m.set(j, null);
        }
        out[at++] = '}';
      }
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
  }
}
