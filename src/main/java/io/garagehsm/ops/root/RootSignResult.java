package io.garagehsm.ops.root;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.ops.ceremony.Threshold;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code root sign} did.
 *
 * @param version the signed root's version
 * @param expires its expiry
 * @param signedBy the keys that signed in this run, in order
 * @param external the external signatures attached (location {@code --signatures})
 * @param thresholds each threshold the root must meet (new root; previous root when there is one)
 *     and how far it is met
 * @param file roles/root.json
 */
public record RootSignResult(
    int version,
    Instant expires,
    List<SigningKey> signedBy,
    List<SigningKey> external,
    List<ThresholdState> thresholds,
    Path file)
    implements OperationResult {

  public RootSignResult {
    signedBy = List.copyOf(signedBy);
    external = List.copyOf(external);
    thresholds = List.copyOf(thresholds);
  }

  /**
   * @param name {@code new root} or {@code previous root}
   * @param signedBy distinct role keys with a valid signature
   * @param threshold signatures needed
   */
  public record ThresholdState(String name, List<String> signedBy, int threshold) {
    public ThresholdState {
      signedBy = List.copyOf(signedBy);
    }

    /** Signatures that count towards the threshold: never more than it, as progress says. */
    public int counted() {
      return Math.min(signedBy.size(), Math.max(threshold, 0));
    }

    public boolean met() {
      return threshold >= 1 && signedBy.size() >= threshold;
    }
  }

  static List<ThresholdState> states(List<Threshold> thresholds, SignedMetadata md) {
    List<ThresholdState> out = new ArrayList<>();
    for (Threshold t : thresholds) {
      out.add(
          new ThresholdState(
              t.name(),
              List.copyOf(t.validSigners(md.signatures(), md.canonicalSigned())),
              t.threshold()));
    }
    return out;
  }

  @Override
  public String summary() {
    StringBuilder b =
        new StringBuilder("signed root.json v")
            .append(version)
            .append(", expires ")
            .append(Expiry.format(expires));
    if (!signedBy.isEmpty()) {
      b.append(signedBy.size() == 1 ? ", key " : ", keys ")
          .append(SigningKey.describeAll(signedBy));
    }
    if (!external.isEmpty()) {
      b.append(external.size() == 1 ? ", external signature by " : ", external signatures by ")
          .append(SigningKey.describeAll(external));
    }
    b.append("; ")
        .append(
            // loops, not streams and lambdas, on root sign's path (each lambda's first call costs
            // a short command its bootstrap)
            thresholdsLine())
        .append("; saved to ")
        .append(file);
    return b.toString();
  }

  private String thresholdsLine() {
    StringBuilder b = new StringBuilder();
    for (ThresholdState t : thresholds) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(t.name()).append(' ').append(t.counted()).append(" of ").append(t.threshold());
    }
    return b.toString();
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("command", "root sign");
    o.put("role", "root");
    o.put("version", version);
    o.put("expires", Expiry.format(expires));
    ArrayNode keys = o.putArray("signedBy");
    for (SigningKey k : signedBy) {
      keys.add(k.toJson());
    }
    ArrayNode ext = o.putArray("externalSignatures");
    for (SigningKey k : external) {
      ext.add(k.toJson());
    }
    ArrayNode ts = o.putArray("thresholds");
    for (ThresholdState t : thresholds) {
      ObjectNode j = ts.addObject();
      j.put("name", t.name());
      j.put("threshold", t.threshold());
      ArrayNode s = j.putArray("signedBy");
      for (String k : t.signedBy()) {
        s.add(k);
      }
      j.put("met", t.met());
    }
    o.putArray("filesWritten").add(file.toString());
    return o;
  }
}
