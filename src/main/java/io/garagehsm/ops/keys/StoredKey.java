package io.garagehsm.ops.keys;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A key that joined a key folder: generated in a file, generated on a token, or adopted from one.
 *
 * @param name the key's name in the folder
 * @param publicKey its public key
 * @param tokenUri the {@code pkcs11:} URI of the key on its token; empty for a file key
 * @param filesWritten what was written, public key first
 */
public record StoredKey(
    String name, TufKey publicKey, Optional<String> tokenUri, List<Path> filesWritten)
    implements OperationResult {
  public StoredKey {
    filesWritten = List.copyOf(filesWritten);
  }

  public String keyId() {
    return publicKey.keyId();
  }

  /**
   * garage-sign's "Saved keys to dir/{n.sec, n.pub}" for a file key; for a token key its ID and the
   * two files that record it.
   */
  @Override
  public String summary() {
    Path pub = filesWritten.get(0);
    if (tokenUri.isEmpty()) {
      return KeyGeneration.savedKeys(pub.getParent(), name);
    }
    return "key id " + keyId() + "; saved " + pub + " and " + filesWritten.get(1);
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("name", name);
    o.put("keyid", keyId());
    o.put("keyType", publicKey.describe());
    o.put("tokenUri", tokenUri.orElse(null));
    ArrayNode f = o.putArray("filesWritten");
    filesWritten.forEach(p -> f.add(p.toString()));
    return o;
  }
}
