package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.SigningKey;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * The JSON of a {@code ceremony export|sign|merge} result: what the bundle is for (repository,
 * role, version, expiry, SHA-256 of the bytes to sign), each threshold with the keys that signed
 * towards it, and the files written.
 */
final class BundleResultJson {
  private BundleResultJson() {}

  /**
   * @param bundleFile the bundle file written, or null
   * @param roleFile the signed role written ({@code merge}), or null
   * @param key the key that signed ({@code sign}), or null
   */
  static ObjectNode of(
      String command, SigningBundle bundle, Path bundleFile, Path roleFile, SigningKey key) {
    ObjectNode o = MetadataJson.object();
    o.put("command", command);
    o.put("repository", bundle.repository());
    o.put("role", bundle.role());
    ObjectNode signed = bundle.signed();
    o.put("version", signed.path("version").asInt());
    o.put("expires", signed.path("expires").asText());
    o.put("signedSha256", bundle.signedSha256());
    if (key != null) {
      o.set("key", key.toJson());
    }
    List<TufSignature> sigs = bundle.signatures();
    byte[] data = bundle.bytesToSign();
    ArrayNode ts = o.putArray("thresholds");
    boolean met = true;
    for (Threshold t : bundle.thresholds()) {
      ObjectNode n = ts.addObject();
      n.put("name", t.name());
      n.put("threshold", t.threshold());
      t.keyIds().forEach(n.putArray("keyIds")::add);
      new TreeSet<>(t.validSigners(sigs, data)).forEach(n.putArray("signedBy")::add);
      n.put("met", t.met(sigs, data));
      met &= t.met(sigs, data);
    }
    o.put("met", met);
    ArrayNode keyIds = o.putArray("signatures");
    sigs.forEach(s -> keyIds.add(s.keyId()));
    o.put("bundle", bundleFile == null ? null : bundleFile.toString());
    o.put("written", roleFile == null ? null : roleFile.toString());
    return o;
  }
}
