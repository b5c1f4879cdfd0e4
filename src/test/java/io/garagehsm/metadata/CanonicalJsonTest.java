package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  @Test
  void signJsonInputCanonicalisesToTheGoldenBytes() {
    JsonNode input = MetadataJson.parse(Vectors.bytes("sign-json/input.json"), "input");
    assertArrayEquals(Vectors.bytes("sign-json/canonical.txt"), CanonicalJson.encode(input));
  }

  @Test
  void targetsAndRootUnsignedMatchGetUnsignedOutput() {
    JsonNode t =
        MetadataJson.read(Vectors.path("repo-flow/tuf/myrepo/roles/unsigned/targets.json"));
    assertArrayEquals(
        Vectors.bytes("repo-flow/targets-unsigned-v1.canonical.txt"), CanonicalJson.encode(t));
    JsonNode r =
        MetadataJson.read(Vectors.path("root-rotation/tuf/myrepo/roles/unsigned/root.json"));
    assertArrayEquals(
        Vectors.bytes("root-rotation/root-unsigned.canonical.txt"), CanonicalJson.encode(r));
  }

  @Test
  void checksumOfServedEnvelopeEqualsSavedHeader() {
    JsonNode env =
        MetadataJson.parse(Vectors.bytes("repo-flow/server-targets-v1.canonical.json"), "env");
    assertEquals(
        Vectors.text("repo-flow/tuf/myrepo/roles/targets.json.checksum"),
        CanonicalJson.sha256Hex(env));
    // the served bytes are themselves canonical
    assertArrayEquals(
        Vectors.bytes("repo-flow/server-targets-v1.canonical.json"), CanonicalJson.encode(env));
  }

  @Test
  void numberLiteralsAreKeptAsWritten() {
    JsonNode n = MetadataJson.parse("{\"b\":1.50,\"a\":1e3,\"c\":-0,\"d\":12}", "n");
    assertEquals("{\"a\":1e3,\"b\":1.50,\"c\":-0,\"d\":12}", CanonicalJson.encodeToString(n));
  }

  @Test
  void sortsByUtf16CodeUnitAndEscapesOnlyWhatOtaTufEscapes() {
    JsonNode n =
        MetadataJson.parse(
            "{\"b\":\"x/y\\u0001\\t\\\"\",\"_\":1,\"B\":2,\"\u00e9\":\"caf\u00e9\"}", "n");
    assertEquals(
        "{\"B\":2,\"_\":1,\"b\":\"x/y\\u0001\\t\\\"\",\"\u00e9\":\"caf\u00e9\"}",
        new String(CanonicalJson.encode(n), StandardCharsets.UTF_8));
  }

  @Test
  void duplicateKeysAreRejected() {
    MetadataException e =
        assertThrows(
            MetadataException.class, () -> MetadataJson.parse("{\"a\":1,\"a\":2}", "dup.json"));
    assertTrue(e.getMessage().startsWith("dup.json is not valid JSON"), e.getMessage());
  }

  @Test
  void nonAsciiIsFoundWithItsPath() {
    JsonNode n =
        MetadataJson.parse("{\"targets\":{\"fw-1\":{\"custom\":{\"name\":\"caf\u00e9\"}}}}", "n");
    MetadataException e =
        assertThrows(MetadataException.class, () -> AsciiContent.require(n, "signed"));
    assertTrue(
        e.getMessage().startsWith("signed.targets[\"fw-1\"].custom.name (U+00E9 at offset 3)"),
        e.getMessage());
  }
}
