package io.garagehsm.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;

/**
 * The file {@code keys/<name>.pkcs11}: where a token key lives (an RFC 7512 URI) and the key ID it
 * must have. It holds no secret; the public key is in {@code keys/<name>.pub} as for file keys.
 *
 * @param uri the {@code pkcs11:} URI of the private key (token + object/id, maybe module-path)
 * @param keyId the expected key ID, checked against the token's key before every use
 * @param tokenSerial the serial number of the token the key was made or adopted on, or null: shown
 *     when the token must be inserted; never used to select the token (a replica with the same
 *     label still serves)
 */
public record TokenReference(String uri, String keyId, String tokenSerial) {
  public TokenReference(String uri, String keyId) {
    this(uri, keyId, null);
  }

  /** File suffix next to {@code .pub}/{@code .sec}. */
  public static final String SUFFIX = ".pkcs11";

  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("uri", uri);
    o.put("keyid", keyId);
    if (tokenSerial != null) {
      o.put("token_serial", tokenSerial);
    }
    return o;
  }

  static TokenReference fromJson(JsonNode n, String what) {
    JsonNode uri = n.get("uri");
    JsonNode id = n.get("keyid");
    if (uri == null || !uri.isTextual() || id == null || !id.isTextual()) {
      throw new RepoException(what + " is not a token key reference (needs uri and keyid)", null);
    }
    JsonNode serial = n.get("token_serial");
    return new TokenReference(
        uri.textValue(),
        id.textValue(),
        serial != null && serial.isTextual() ? serial.textValue() : null);
  }
}
