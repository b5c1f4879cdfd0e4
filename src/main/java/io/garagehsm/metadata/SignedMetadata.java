package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A signed envelope. The {@code signed} object is kept as raw JSON, so fields this tool does not
 * know survive a load/sign/save round trip; signatures cover its canonical bytes. Immutable: the
 * {@code with…} methods return new envelopes and never mutate the {@code signed} tree.
 */
public final class SignedMetadata {
  private final ObjectNode signed;
  private final List<TufSignature> signatures;
  private final ObjectNode extra;
  // the canonical bytes of a small signed tree, made once and shared by the envelopes around the
  // same tree (root sign asks for them about eight times: each signer, each threshold report, each
  // verification); a large tree is encoded per call, so no envelope holds a second copy of it
  private final CanonicalBytes canonical;

  /** Canonical bytes made once per signed tree (below {@link #CACHED_MAX}). */
  private static final class CanonicalBytes {
    private volatile byte[] bytes;
  }

  private static final int CACHED_MAX = 1 << 20;

  private SignedMetadata(ObjectNode signed, List<TufSignature> signatures, ObjectNode extra) {
    this(signed, signatures, extra, new CanonicalBytes());
  }

  private SignedMetadata(
      ObjectNode signed,
      List<TufSignature> signatures,
      ObjectNode extra,
      CanonicalBytes canonical) {
    this.signed = signed;
    this.signatures = List.copyOf(signatures);
    this.extra = extra;
    this.canonical = canonical;
  }

  /**
   * An envelope with no signatures around a {@code signed} object. The envelope takes the tree over
   * (no copy: a 100k-target tree is ~100 MiB); the caller must not change it afterwards.
   */
  public static SignedMetadata unsigned(ObjectNode signed) {
    return new SignedMetadata(signed, List.of(), MetadataJson.object());
  }

  /**
   * Reads an envelope; errors name {@code what}. Like {@link #unsigned}, it takes the tree over.
   */
  public static SignedMetadata fromJson(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw new MetadataException(what + " is not a signed metadata object");
    }
    JsonNode signed = node.get("signed");
    JsonNode sigs = node.get("signatures");
    if (signed == null || !signed.isObject()) {
      throw new MetadataException(
          what + " has no \"signed\" object", "is this an unsigned file? sign it first");
    }
    if (sigs == null || !sigs.isArray()) {
      throw new MetadataException(what + " has no \"signatures\" array");
    }
    List<TufSignature> list = new ArrayList<>();
    for (JsonNode s : sigs) {
      list.add(TufSignature.fromJson(s, what));
    }
    ObjectNode extra = MetadataJson.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("signed") && !e.getKey().equals("signatures")) {
        extra.set(e.getKey(), e.getValue());
      }
    }
    return new SignedMetadata((ObjectNode) signed, list, extra);
  }

  /** A copy of the {@code signed} object. */
  public ObjectNode signed() {
    return signed.deepCopy();
  }

  /** Refuses signed content with non-ASCII characters, naming the field (spec §7.3). */
  public void requireAscii() {
    AsciiContent.require(signed, "signed");
  }

  /** Read-only access to the signed tree for views; callers must not mutate it. */
  JsonNode signedView() {
    return signed;
  }

  public List<TufSignature> signatures() {
    return signatures;
  }

  /** The canonical bytes that signatures cover. */
  public byte[] canonicalSigned() {
    byte[] b = canonical.bytes;
    if (b == null) {
      b = CanonicalJson.encode(signed);
      if (b.length >= CACHED_MAX) {
        return b;
      }
      canonical.bytes = b;
    }
    return b.clone(); // callers may change theirs
  }

  /** {@code _type} as written. */
  public String type() {
    return signed.path("_type").asText("");
  }

  /** {@code version}, or -1 when absent or not a number. */
  public int version() {
    JsonNode v = signed.get("version");
    return v != null && v.isIntegralNumber() ? v.intValue() : -1;
  }

  /** Adds a signature, replacing any earlier one by the same key; others stay. */
  public SignedMetadata withSignature(TufSignature sig) {
    List<TufSignature> list = new ArrayList<>(signatures.size() + 1);
    for (TufSignature s : signatures) {
      if (!s.keyId().equals(sig.keyId())) {
        list.add(s);
      }
    }
    list.add(sig);
    return new SignedMetadata(signed, list, extra, canonical);
  }

  /** Same signatures, new signed content (callers re-sign afterwards). */
  public SignedMetadata withoutSignatures() {
    return new SignedMetadata(signed, List.of(), extra, canonical);
  }

  /** {@code {"signatures": […], "signed": {…}}} plus any unknown top-level fields. */
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    ArrayNode arr = o.putArray("signatures");
    for (TufSignature s : signatures) {
      arr.add(s.toJson());
    }
    o.set("signed", signed);
    o.setAll(extra);
    return o;
  }

  /** SHA-256 hex of the canonical envelope: the {@code x-ats-role-checksum} of §9.3. */
  public String checksum() {
    return CanonicalJson.sha256Hex(toJson());
  }

  /**
   * Checks the signatures against a role's keys. Each key counts once, however many key IDs it is
   * listed under (python-tuf's threshold rule); signatures by keys the role does not list are
   * reported but do not count.
   */
  public Verification verify(
      Map<String, TufKey> keys, Collection<String> roleKeyIds, int threshold) {
    return verify(signatures, canonicalSigned(), keys, roleKeyIds, threshold);
  }

  /** The rule of {@link #verify(Map, Collection, int)} over given canonical bytes. */
  static Verification verify(
      List<TufSignature> signatures,
      byte[] data,
      Map<String, TufKey> keys,
      Collection<String> roleKeyIds,
      int threshold) {
    Set<String> valid = new LinkedHashSet<>();
    Set<String> invalid = new LinkedHashSet<>();
    Set<String> unknown = new LinkedHashSet<>();
    Set<String> duplicate = new LinkedHashSet<>();
    Set<TufKey> counted = new HashSet<>();
    for (TufSignature s : signatures) {
      TufKey k = keys.get(s.keyId());
      if (k == null || !roleKeyIds.contains(s.keyId())) {
        unknown.add(s.keyId());
      } else if (s.method() == k.type().method()
          && s.method().verify(k.publicKey(), data, s.sig())) {
        if (counted.add(k)) {
          valid.add(s.keyId());
        } else if (!valid.contains(s.keyId())) {
          duplicate.add(s.keyId());
        }
      } else {
        invalid.add(s.keyId());
      }
    }
    Set<String> missing = new LinkedHashSet<>(roleKeyIds);
    missing.removeAll(valid);
    for (String id : roleKeyIds) {
      if (counted.contains(keys.get(id))) {
        missing.remove(id);
      }
    }
    return new Verification(
        List.copyOf(valid),
        List.copyOf(invalid),
        List.copyOf(unknown),
        List.copyOf(missing),
        List.copyOf(duplicate),
        threshold);
  }

  /**
   * The outcome of checking signatures against a role.
   *
   * @param valid key IDs with a valid signature
   * @param invalid role keys whose signature did not verify
   * @param unknown signatures by keys the role does not list
   * @param missing role keys without a valid signature
   * @param duplicate key IDs whose valid signature did not count: the same key already counted
   *     under another ID
   * @param threshold the role's threshold
   */
  public record Verification(
      List<String> valid,
      List<String> invalid,
      List<String> unknown,
      List<String> missing,
      List<String> duplicate,
      int threshold) {
    public boolean thresholdMet() {
      return threshold >= 1 && valid.size() >= threshold;
    }

    /** One line for users, e.g. "1 of threshold 2 valid (invalid: …; missing: …)". */
    public String describe() {
      StringBuilder b =
          new StringBuilder().append(valid.size()).append(" valid of threshold ").append(threshold);
      if (!invalid.isEmpty()) {
        b.append("; invalid signature by ").append(String.join(", ", invalid));
      }
      if (!unknown.isEmpty()) {
        b.append("; signed by keys the role does not list: ").append(String.join(", ", unknown));
      }
      if (!duplicate.isEmpty()) {
        b.append("; not counted twice (same key under another ID): ")
            .append(String.join(", ", duplicate));
      }
      return b.toString();
    }
  }
}
