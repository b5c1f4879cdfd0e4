package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code root sign} signs the re-encoded form once and reads a root's keys once (issue 9): both
 * rest on what is checked here.
 */
class RootReencodingTest {
  static JsonNode signedPart(String rel) {
    JsonNode n = MetadataJson.parse(Vectors.bytes(rel), rel);
    return n.has("signed") ? n.get("signed") : n;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "root-rotation/tuf/myrepo/roles/unsigned/root.json",
        "root-rotation/tuf/myrepo/roles/root.json",
        "repo-flow/tuf/myrepo/roles/root.json",
        "move-offline/tuf/offline/roles/unsigned/root.json",
        "move-offline/tuf/offline/roles/root.json"
      })
  void reencodingTheReencodedFormGivesTheSameBytes(String rel) {
    ObjectNode once = RootRole.of(signedPart(rel), rel).reencoded();
    ObjectNode twice = RootRole.of(once, rel).reencoded();
    assertEquals(once, twice);
    assertEquals(
        new String(CanonicalJson.encode(once), StandardCharsets.UTF_8),
        new String(CanonicalJson.encode(twice), StandardCharsets.UTF_8));
    assertEquals(MetadataJson.prettyString(once), MetadataJson.prettyString(twice));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "root-rotation/tuf/myrepo/roles/unsigned/root.json",
        "repo-flow/tuf/myrepo/roles/root.json"
      })
  void keysAreReadOnceReadOnlyAndInFileOrder(String rel) {
    JsonNode signed = signedPart(rel);
    RootRole root = RootRole.of(signed, rel);
    Map<String, TufKey> keys = root.keys();
    assertSame(keys, root.keys(), "parsed once per root");
    List<String> ids = new ArrayList<>();
    signed.get("keys").fieldNames().forEachRemaining(ids::add);
    assertEquals(ids, List.copyOf(keys.keySet()));
    signed
        .get("keys")
        .fields()
        .forEachRemaining(
            e ->
                assertEquals(TufKey.fromJson(e.getValue(), "k"), keys.get(e.getKey()), e.getKey()));
    assertThrows(
        UnsupportedOperationException.class, () -> keys.remove(keys.keySet().iterator().next()));
    // an edit is a new root with its own keys
    RootRole next = root.withVersion(root.version() + 1);
    assertEquals(keys, next.keys());
  }
}
