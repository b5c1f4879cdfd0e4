package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** A public key is parsed once per process (issue 9); what it gives does not change. */
class TufKeyReadOnceTest {
  @Test
  void theSameKeyTextGivesTheSameKeyOtherTextsTheirOwn() {
    for (String f : new String[] {"keys/ed25519.pub", "keys/rsa2048.pub"}) {
      JsonNode json = MetadataJson.parse(Vectors.bytes(f), f);
      TufKey first = TufKey.fromJson(json, f);
      assertSame(first, TufKey.fromJson(json.deepCopy(), "another file"));
      assertEquals(json, first.toJson(), "the file form is the key's own");
      // a key type no verifier knows is refused, though the value was read before
      ObjectNode lower = (ObjectNode) json.deepCopy();
      lower.put("keytype", json.get("keytype").asText().toLowerCase(java.util.Locale.ROOT));
      assertThrows(MetadataException.class, () -> TufKey.fromJson(lower, f));
    }
    assertNotEquals(
        TufKey.fromJson(MetadataJson.parse(Vectors.bytes("keys/ed25519.pub"), "a"), "a"),
        TufKey.fromJson(MetadataJson.parse(Vectors.bytes("keys/rsa2048.pub"), "b"), "b"));
  }

  @Test
  void anUnreadableKeyIsRefusedEachTimeNamingWhereItWasRead() {
    JsonNode good = MetadataJson.parse(Vectors.bytes("keys/ed25519.pub"), "k");
    ObjectNode bad = (ObjectNode) good.deepCopy();
    ((ObjectNode) bad.get("keyval")).put("public", "zz");
    for (String what : new String[] {"first.pub", "second.pub"}) {
      MetadataException e = assertThrows(MetadataException.class, () -> TufKey.fromJson(bad, what));
      assertEquals(what + " holds an unreadable ED25519 public key", e.getMessage());
    }
  }
}
