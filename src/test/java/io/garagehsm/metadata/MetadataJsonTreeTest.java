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

  /**
   * The writer walks the tree itself (no ObjectMapper on a short command's path); its bytes must be
   * exactly those of Jackson's mapper with the same pretty printer, for every node type.
   */
  @Test
  void writerAnswersExactlyAsJacksonsMapper() throws Exception {
    ObjectNode n =
        MetadataJson.parseObject(
            ("{\"s\":\"t\\u00e9\\n\\\"x\\\"\",\"i\":-3,\"l\":12345678901,"
                    + "\"b\":123456789012345678901234567890,\"raw\":1.50,\"e\":1e3,\"z\":-0,"
                    + "\"t\":true,\"f\":false,\"n\":null,\"empty\":{},\"none\":[],"
                    + "\"deep\":[[1,[2,{\"a\":[]}]],{\"k\":\"v\"}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "t");
    n.put("dbl", 0.25).put("flt", 1.5f).put("dec", new java.math.BigDecimal("2.50"));
    n.putPOJO("pojo", java.util.Map.of("only", 1));
    n.put("bin", new byte[] {1, 2, 3});
    n.putNull("n2");
    com.fasterxml.jackson.databind.ObjectMapper mapper =
        com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
    com.fasterxml.jackson.core.util.DefaultIndenter indenter =
        new com.fasterxml.jackson.core.util.DefaultIndenter("  ", "\n");
    com.fasterxml.jackson.core.util.DefaultPrettyPrinter pretty =
        new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
    assertEquals(mapper.writer(pretty).writeValueAsString(n), MetadataJson.prettyString(n));
    assertEquals(
        mapper.writeValueAsString(n),
        new String(MetadataJson.compact(n), java.nio.charset.StandardCharsets.UTF_8));
    java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
    MetadataJson.writePretty(n, streamed);
    streamed.write('!'); // the stream stays open
    assertEquals(mapper.writer(pretty).writeValueAsString(n) + "!", streamed.toString("UTF-8"));
  }
}
