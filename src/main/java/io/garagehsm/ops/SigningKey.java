package io.garagehsm.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenIdentity;
import java.util.List;
import java.util.Optional;

/**
 * A key that signed, as results report it: its name, key ID and where it lives (a file, or a key on
 * a token named by its label). No secret.
 *
 * @param name the key's name in its folder, or null when it has none
 * @param keyId the key ID
 * @param token the label of the token holding the key, or null for a file key
 * @param location the key's file path or pkcs11: URI
 */
public record SigningKey(String name, String keyId, String token, String location) {

  /** What {@code signer}, opened for the key named {@code name}, reports about itself. */
  public static SigningKey of(String name, Signer signer) {
    // no lambdas on root sign's path: each one's first call costs a short command its bootstrap
    Optional<TokenIdentity> token = signer.token();
    return new SigningKey(
        name, signer.keyId(), token.isPresent() ? token.get().label() : null, signer.location());
  }

  /** {@code 4f2a1b3c…}: enough of a key ID to tell keys apart in one line. */
  public static String shortId(String keyId) {
    return keyId.length() <= 8 ? keyId : keyId.substring(0, 8) + "…";
  }

  /** {@code mykey (4f2a1b3c…) on token ota-root}, or {@code mykey (4f2a1b3c…)} for a file key. */
  public String describe() {
    String id = shortId(keyId);
    return (name == null ? id : name + " (" + id + ")")
        + (token == null ? "" : " on token " + token);
  }

  /** {@code a (…) on token x, b (…)}. */
  public static String describeAll(List<SigningKey> keys) {
    StringBuilder b = new StringBuilder();
    for (SigningKey k : keys) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(k.describe());
    }
    return b.toString();
  }

  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("name", name);
    o.put("keyid", keyId);
    o.put("token", token);
    o.put("location", location);
    return o;
  }
}
