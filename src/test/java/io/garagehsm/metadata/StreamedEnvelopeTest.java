package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.bench.TargetsFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link StreamedEnvelope} gives what the tree path ({@link MetadataJson#parse}, {@link
 * SignedMetadata}) gives: the same canonical bytes, checksum, verification, pretty signed part and
 * compact envelope, and the same first error for bad input.
 */
class StreamedEnvelopeTest {
  private static final String SIG =
      "{\"keyid\":\"" + "ab".repeat(32) + "\",\"method\":\"ed25519\",\"sig\":\"AAAA\"}";

  @TempDir Path dir;

  static Stream<String> envelopes() {
    String targets =
        "\"targets\":{\"b\":{\"length\":1.50,\"hashes\":{\"sha256\":\"00\"},\"x\":[1,2e3,-0]},"
            + "\"a\\u00e9/\\\"q\":{\"custom\":{\"uri\":null,\"n\":12345678901234567890,\"t\":true}}}";
    return Stream.of(
        // garage-sign's order
        "{\"signatures\":["
            + SIG
            + "],\"signed\":{\"expires\":\"2030-01-01T00:00:00Z\","
            + targets
            + ",\"version\":3,\"_type\":\"Targets\"}}",
        // signed first, unknown fields at both levels, delegations, no signatures
        "{\"zz\":{\"k\":[1]},\"signed\":{\"_type\":\"Targets\",\"unknown\":\"é\",\"version\":1,"
            + targets
            + ",\"delegations\":{\"keys\":{},\"roles\":[]}},\"signatures\":[],\"aa\":0}",
        // empty targets, targets not an object, no targets
        "{\"signatures\":[" + SIG + "],\"signed\":{\"targets\":{},\"version\":1}}",
        "{\"signatures\":[],\"signed\":{\"targets\":[1,2],\"version\":\"x\"}}",
        "{\"signatures\":[],\"signed\":{}}");
  }

  private Path file(String json) throws IOException {
    return Files.write(dir.resolve("t.json"), json.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @MethodSource("envelopes")
  void givesWhatTheTreePathGives(String json) throws Exception {
    Path f = file(json);
    SignedMetadata tree = SignedMetadata.fromJson(MetadataJson.read(f), "t");
    StreamedEnvelope s = StreamedEnvelope.read(f, "t", true);
    assertArrayEquals(tree.canonicalSigned(), s.canonicalSigned());
    assertEquals(tree.checksum(), s.checksum());
    assertEquals(tree.version(), s.version());
    assertEquals(tree.signatures(), s.signatures());
    assertEquals(tree.signed().path("expires").asText(null), s.signedField("expires").asText(null));
    ByteArrayOutputStream pretty = new ByteArrayOutputStream();
    s.writeSignedPretty(pretty);
    assertArrayEquals(MetadataJson.pretty(tree.signed()), pretty.toByteArray());
    ByteArrayOutputStream compact = new ByteArrayOutputStream();
    s.writeCompact(compact);
    assertArrayEquals(MetadataJson.compact(tree.toJson()), compact.toByteArray());
    // without the canonical bytes, the rest is the same
    StreamedEnvelope light = StreamedEnvelope.read(f, "t", false);
    compact.reset();
    light.writeCompact(compact);
    assertArrayEquals(MetadataJson.compact(tree.toJson()), compact.toByteArray());
    assertThrows(IllegalStateException.class, light::canonicalSigned);
  }

  @Test
  void aLargeSignedRoleVerifiesAndEncodesAsTheTree() throws Exception {
    TufKeyPair key = TufKeyPair.generate(KeyType.ED25519, 256);
    ObjectNode u = TargetsFixture.unsignedTargets(2000, 3);
    byte[] data = CanonicalJson.encode(u);
    SignedMetadata md =
        SignedMetadata.unsigned(u)
            .withSignature(
                new TufSignature(
                    key.publicKey().keyId(),
                    SignatureMethod.ED25519,
                    SignatureMethod.ED25519.sign(key.privateKey(), data)));
    Path f = dir.resolve("big.json");
    Files.write(f, MetadataJson.pretty(md.toJson()));
    StreamedEnvelope s = StreamedEnvelope.read(f, "big", true);
    assertArrayEquals(data, s.canonicalSigned());
    assertEquals(md.checksum(), s.checksum());
    Map<String, TufKey> keys = Map.of(key.publicKey().keyId(), key.publicKey());
    List<String> ids = List.of(key.publicKey().keyId());
    assertEquals(md.verify(keys, ids, 1), s.verify(keys, ids, 1));
    assertTrue(s.verify(keys, ids, 1).thresholdMet());
  }

  static Stream<String> refused() {
    return Stream.of(
        "",
        "  ",
        "[]",
        "1",
        "{}",
        "{\"signed\":1,\"signatures\":[]}",
        "{\"signed\":{}}",
        "{\"signed\":{},\"signatures\":{}}",
        "{\"signed\":{},\"signatures\":[{\"keyid\":\"x\"}]}",
        "{\"signed\":{\"targets\":{\"a\":1,\"a\":2}},\"signatures\":[]}",
        "{\"signed\":{\"targets\":{\"a\":}},\"signatures\":[]}",
        "{\"signatures\":[],\"signed\":{}} {}",
        "{\"signatures\":[],\"signed\":{\"targets\":{\"a\":{}}}");
  }

  @ParameterizedTest
  @MethodSource("refused")
  void refusesWhatTheTreePathRefusesWithTheSameError(String json) throws Exception {
    Path f = file(json);
    MetadataException tree =
        assertThrows(
            MetadataException.class,
            () -> SignedMetadata.fromJson(MetadataJson.read(f, InputFile.ROLE_FILE_MAX, "x"), "t"));
    for (boolean canonical : new boolean[] {true, false}) {
      MetadataException streamed =
          assertThrows(MetadataException.class, () -> StreamedEnvelope.read(f, "t", canonical));
      assertEquals(tree.getMessage().replace(f.toString(), "t"), streamed.getMessage());
      assertEquals(tree.hint(), streamed.hint());
    }
  }

  @Test
  void aFileChangedBetweenTheReadsIsRefused() throws Exception {
    Path f = file((String) envelopes().findFirst().orElseThrow());
    StreamedEnvelope s = StreamedEnvelope.read(f, "t", true);
    Files.writeString(f, Files.readString(f).replace("\"version\":3", "\"version\":4"));
    MetadataException e =
        assertThrows(
            MetadataException.class, () -> s.writeSignedPretty(new ByteArrayOutputStream()));
    assertEquals("t changed while garage-hsm read it; nothing was written", e.getMessage());
  }

  @Test
  void writeWithVersionIsThePutOnTheTree() throws Exception {
    ObjectNode u = TargetsFixture.unsignedTargets(50, 5);
    u.put("extra", 1.25);
    Path f = dir.resolve("u.json");
    Files.write(f, MetadataJson.pretty(u));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetadataJson.writeWithVersion(f, 9, out);
    u.put("version", 9);
    assertArrayEquals(MetadataJson.pretty(u), out.toByteArray());
  }
}
