package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The parser's memory savings (shared short strings, sized maps) must not be observable. */
class MetadataJsonTreeTest {

  @Test
  void equalStringsInDifferentPlacesStayIndependentValues() {
    ObjectNode n =
        MetadataJson.parseObject(
            "{\"a\":{\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"},"
                .concat("\"b\":{\"createdAt\":\"2026-01-01T00:00:00Z\"}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "t");
    ((ObjectNode) n.get("a")).put("updatedAt", "2027-01-01T00:00:00Z");
    ((ObjectNode) n.get("b")).put("extra", 1).put("more", true).put("andMore", "x");

    assertEquals("2026-01-01T00:00:00Z", n.get("a").get("createdAt").textValue());
    assertEquals("2027-01-01T00:00:00Z", n.get("a").get("updatedAt").textValue());
    assertEquals(
        "{\"a\":{\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2027-01-01T00:00:00Z\"},"
            + "\"b\":{\"createdAt\":\"2026-01-01T00:00:00Z\",\"extra\":1,\"more\":true,"
            + "\"andMore\":\"x\"}}",
        new String(MetadataJson.compact(n), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void fieldOrderIsKeptAsWritten() {
    ObjectNode n =
        MetadataJson.parseObject(
            "{\"z\":1,\"a\":2,\"m\":{\"y\":[\"s\",\"s\"],\"b\":null}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "t");
    assertEquals(
        "{\"z\":1,\"a\":2,\"m\":{\"y\":[\"s\",\"s\"],\"b\":null}}",
        new String(MetadataJson.compact(n), java.nio.charset.StandardCharsets.UTF_8));
  }
}
