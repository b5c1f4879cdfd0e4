package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.repo.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An offline signing bundle: one self-contained JSON file for an air-gapped machine. It holds the
 * exact {@code signed} object to sign and its SHA-256, the trusted current root, the thresholds
 * expected, the signatures collected, a change summary against the version now in force, and what
 * the offline signers reported. Nothing in it is trusted as written: {@link #check} recomputes
 * every derived field and verifies every signature, and names the first thing that differs.
 */
public final class SigningBundle {
  public static final int FORMAT = 1;

  private final ObjectNode json;
  private final String what;

  private SigningBundle(ObjectNode json, String what) {
    this.json = json;
    this.what = what;
  }

  /** A new bundle (see {@link BundleProcedures#export}). */
  static SigningBundle create(
      String repository,
      String role,
      String created,
      ObjectNode signed,
      String unsignedSha256,
      SignedMetadata trustedRoot,
      SignedMetadata current) {
    ObjectNode o = MetadataJson.object();
    o.put("garage_hsm_signing_bundle", FORMAT);
    o.put("repository", repository);
    o.put("role", role);
    o.put("created", created);
    o.set("signed", signed);
    o.put("signed_sha256", CanonicalJson.sha256Hex(signed));
    ObjectNode base = o.putObject("base");
    base.put("unsigned_sha256", unsignedSha256);
    base.put("trusted_root_sha256", CanonicalJson.sha256Hex(trustedRoot.signed()));
    o.set("trusted_root", trustedRoot.toJson());
    if (current == null) {
      o.putNull("current");
    } else {
      o.set("current", current.toJson());
    }
    SigningBundle b = new SigningBundle(o, "the new bundle");
    List<Threshold> ts = b.expectedThresholds();
    o.set("thresholds", thresholdsJson(ts));
    ArrayNode summary = o.putArray("summary");
    b.expectedSummary().forEach(summary::add);
    o.putArray("signatures");
    o.putArray("signing_log");
    return b;
  }

  /** Reads a bundle file; the format is checked, the content by {@link #check}. */
  public static SigningBundle read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CeremonyException(
          file + " does not exist", "pass the bundle 'ceremony export' wrote");
    }
    JsonNode n = MetadataJson.read(file);
    if (!n.isObject() || n.path("garage_hsm_signing_bundle").asInt(-1) != FORMAT) {
      throw new CeremonyException(
          file + " is not a garage-hsm signing bundle (format " + FORMAT + ")",
          "pass a file written by 'ceremony export'");
    }
    return new SigningBundle((ObjectNode) n, file.toString());
  }

  public void write(Path file) {
    AtomicFiles.write(file, MetadataJson.pretty(json), AtomicFiles.PUBLIC);
  }

  public String what() {
    return what;
  }

  public String repository() {
    return json.path("repository").asText();
  }

  public String role() {
    return json.path("role").asText();
  }

  /** A copy of the object to sign. */
  public ObjectNode signed() {
    return json.get("signed").deepCopy();
  }

  /** The exact bytes every signature covers. */
  public byte[] bytesToSign() {
    return CanonicalJson.encode(json.get("signed"));
  }

  public String signedSha256() {
    return json.path("signed_sha256").asText();
  }

  public String unsignedSha256() {
    return json.path("base").path("unsigned_sha256").asText();
  }

  public String trustedRootSha256() {
    return json.path("base").path("trusted_root_sha256").asText();
  }

  public List<String> summary() {
    List<String> out = new ArrayList<>();
    json.path("summary").forEach(s -> out.add(s.asText()));
    return out;
  }

  public List<TufSignature> signatures() {
    List<TufSignature> out = new ArrayList<>();
    for (JsonNode s : json.path("signatures")) {
      out.add(TufSignature.fromJson(s, what + " signatures"));
    }
    return out;
  }

  /** The thresholds, recomputed from the content (never read from the file). */
  public List<Threshold> thresholds() {
    return expectedThresholds();
  }

  /** {@code new root: 1 of 2 signatures; previous root: 1 of 1} for the signatures it holds. */
  public String progress() {
    return Threshold.progress(thresholds(), signatures(), bytesToSign());
  }

  /**
   * What a keyholder reads before signing: the role and SHA-256 of the bytes, each change against
   * the signed version, each threshold with its keys, and the signatures so far.
   */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    out.add(
        "bundle: "
            + role()
            + ".json of repository '"
            + repository()
            + "', bytes to sign SHA-256 "
            + signedSha256());
    for (String line : summary()) {
      out.add("  change: " + line);
    }
    for (Threshold t : thresholds()) {
      out.add(
          "  needs: "
              + t.name()
              + " threshold "
              + t.threshold()
              + " of keys "
              + String.join(", ", t.keyIds()));
    }
    out.add("  signatures: " + progress());
    return out;
  }

  /** What offline signers reported about their signatures (transcript records). */
  public ArrayNode signingLog() {
    return (ArrayNode) json.path("signing_log").deepCopy();
  }

  /** A copy with {@code sig} added (replacing one by the same key) and its log record. */
  public SigningBundle withSignature(TufSignature sig, ObjectNode logRecord) {
    ObjectNode o = json.deepCopy();
    ArrayNode sigs = MetadataJson.array();
    for (JsonNode s : json.path("signatures")) {
      if (!s.path("keyid").asText().equals(sig.keyId())) {
        sigs.add(s);
      }
    }
    sigs.add(sig.toJson());
    o.set("signatures", sigs);
    if (logRecord != null) {
      ((ArrayNode) o.withArray("signing_log")).add(logRecord);
    }
    return new SigningBundle(o, what);
  }

  /**
   * Checks the bundle is whole: the SHA-256 of {@code signed}, the trusted root signed by itself,
   * the version step, the thresholds and summary recomputed from the content, and every signature.
   * Throws naming the first difference.
   */
  public void check() {
    String role = role();
    if (!role.equals(RootRole.ROOT) && !role.equals(RootRole.TARGETS)) {
      throw tampered("its role is \"" + role + "\", not root or targets");
    }
    JsonNode signed = json.get("signed");
    if (signed == null || !signed.isObject()) {
      throw tampered("it has no \"signed\" object");
    }
    String sha = CanonicalJson.sha256Hex(signed);
    if (!sha.equals(signedSha256())) {
      throw tampered(
          "the content to sign was changed: its SHA-256 is "
              + sha
              + ", the bundle says "
              + signedSha256());
    }
    SignedMetadata trusted = trustedRoot();
    if (!CanonicalJson.sha256Hex(trusted.signed()).equals(trustedRootSha256())) {
      throw tampered("the trusted root was changed: its SHA-256 is not the one recorded");
    }
    RootRole tr = RootRole.of(trusted, what + " trusted_root");
    if (!tr.verify(trusted, RootRole.ROOT).thresholdMet()) {
      throw tampered("the trusted root is not signed by its own root role");
    }
    if (role.equals(RootRole.ROOT)) {
      RootRole next = RootRole.of(signed, what + " signed");
      if (next.version() != tr.version() + 1) {
        throw tampered(
            "the new root is version "
                + next.version()
                + ", not the trusted root's "
                + tr.version()
                + " + 1");
      }
    } else {
      TargetsRole next = TargetsRole.of(signed, what + " signed");
      SignedMetadata cur = current();
      if (cur != null && next.version() <= cur.version()) {
        throw tampered(
            "the new targets is version " + next.version() + ", not newer than " + cur.version());
      }
    }
    if (!thresholdsJson(expectedThresholds()).equals(json.get("thresholds"))) {
      throw tampered("its thresholds are not those of the roots it carries");
    }
    if (!MetadataJson.array().addAll(textArray(expectedSummary())).equals(json.get("summary"))) {
      throw tampered("its change summary does not describe the content to sign");
    }
    byte[] data = bytesToSign();
    List<Threshold> ts = expectedThresholds();
    for (TufSignature s : signatures()) {
      TufKey k = null;
      for (Threshold t : ts) {
        k = k != null ? k : t.keys().get(s.keyId());
      }
      if (k == null) {
        throw tampered("it carries a signature by key " + s.keyId() + ", which no threshold lists");
      }
      if (s.method() != k.type().method() || !s.method().verify(k.publicKey(), data, s.sig())) {
        throw tampered(
            "the signature by key " + s.keyId() + " does not verify over the bundle's bytes");
      }
    }
  }

  private CeremonyException tampered(String reason) {
    return new CeremonyException(
        what + " is refused: " + reason,
        "the bundle was altered or damaged; export a new one with 'ceremony export'");
  }

  SignedMetadata trustedRoot() {
    return SignedMetadata.fromJson(json.get("trusted_root").deepCopy(), what + " trusted_root");
  }

  SignedMetadata current() {
    JsonNode c = json.get("current");
    return c == null || c.isNull()
        ? null
        : SignedMetadata.fromJson(c.deepCopy(), what + " current");
  }

  private List<Threshold> expectedThresholds() {
    RootRole tr = RootRole.of(trustedRoot(), what + " trusted_root");
    RootRole next =
        role().equals(RootRole.ROOT) ? RootRole.of(json.get("signed"), what + " signed") : null;
    return Threshold.required(role(), next, tr);
  }

  private List<String> expectedSummary() {
    SignedMetadata cur = current();
    return ChangeSummary.of(role(), cur == null ? null : cur.signed(), json.get("signed"));
  }

  private static ArrayNode thresholdsJson(List<Threshold> ts) {
    ArrayNode arr = MetadataJson.array();
    for (Threshold t : ts) {
      ObjectNode o = arr.addObject();
      o.put("name", t.name());
      ArrayNode ids = o.putArray("keyids");
      t.keyIds().forEach(ids::add);
      o.put("threshold", t.threshold());
      ObjectNode keys = o.putObject("keys");
      for (Iterator<Map.Entry<String, TufKey>> it =
              new java.util.TreeMap<>(t.keys()).entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, TufKey> e = it.next();
        keys.set(e.getKey(), e.getValue().toJson());
      }
    }
    return arr;
  }

  private static List<JsonNode> textArray(List<String> s) {
    List<JsonNode> out = new ArrayList<>();
    s.forEach(x -> out.add(MetadataJson.nodes().textNode(x)));
    return out;
  }
}
