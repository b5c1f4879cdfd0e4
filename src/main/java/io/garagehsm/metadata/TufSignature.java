package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * One entry of an envelope's {@code signatures}: key ID, method and standard base64 signature.
 *
 * @param keyId 64 lower-case hex
 * @param method signature method
 * @param sig the raw signature bytes
 */
public record TufSignature(String keyId, SignatureMethod method, byte[] sig) {

  public TufSignature {
    sig = sig.clone();
  }

  @Override
  public byte[] sig() {
    return sig.clone();
  }

  /** Standard base64 with padding, as written in files. */
  public String sigBase64() {
    return Base64.getEncoder().encodeToString(sig);
  }

  /** The JSON form {@code {"keyid","method","sig"}}. */
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("keyid", keyId);
    o.put("method", method.json());
    o.put("sig", sigBase64());
    return o;
  }

  /** Parses a signature object; errors name {@code what}. */
  public static TufSignature fromJson(JsonNode node, String what) {
    JsonNode id = node.get("keyid");
    JsonNode m = node.get("method");
    JsonNode s = node.get("sig");
    if (id == null
        || !id.isTextual()
        || m == null
        || !m.isTextual()
        || s == null
        || !s.isTextual()) {
      throw new MetadataException(what + ": a signature needs string keyid, method and sig");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(s.textValue());
    } catch (IllegalArgumentException e) {
      throw new MetadataException(what + ": signature of " + id.textValue() + " is not base64");
    }
    return new TufSignature(id.textValue(), SignatureMethod.fromJson(m.textValue()), raw);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TufSignature t
        && t.keyId.equals(keyId)
        && t.method == method
        && java.util.Arrays.equals(t.sig, sig);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  @Override
  public String toString() {
    return keyId + " " + method.json() + " " + sigBase64();
  }
}
