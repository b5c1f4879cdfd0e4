package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.bench.TargetsFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming {@code targets sign} path gives exactly what the tree path gives: the same
 * canonical bytes, the same signed file byte for byte, and the same first error for bad input.
 */
class StreamedTargetsTest {
  private static final String HEAD =
      "{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\",\"version\":3,";
  private static final String ITEM =
      "{\"hashes\":{\"sha256\":\"00ff\"},\"length\":5,\"custom\":{\"name\":\"a\"}}";
  private static final Instant LATER = Instant.parse("2031-02-03T04:05:06Z");

  @TempDir Path dir;

  /** Unsigned targets files the tree path accepts, one feature each. */
  static Stream<String> accepted() {
    return Stream.of(
        HEAD + "\"targets\":{}}",
        HEAD + "\"targets\":{\"a-1\":" + ITEM + "}}",
        // garage-sign's own order, pretty with spaces, an unknown top-level field dropped
        "{\n  \"expires\" : \"2030-01-01T00:00:00Z\",\n  \"targets\" : {\n    \"b-2\" : "
            + ITEM
            + ",\n    \"a-1\" : "
            + ITEM
            + "\n  },\n  \"version\" : 7,\n  \"_type\" : \"targets\",\n  \"extra\" : [1, {}]\n}",
        // targets before the fields the canonical form puts first; delegations and custom
        "{\"targets\":{\"z\":"
            + ITEM
            + ",\"A\":"
            + ITEM
            + ",\"a.b\":"
            + ITEM
            + ",\"a-b\":"
            + ITEM
            + ",\"0\":"
            + ITEM
            + "},\"custom\":{\"k\":[1,2.50,-0,1e3,{\"n\":null,\"t\":true,\"f\":false}]},"
            + "\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"r\",\"keyids\":[],"
            + "\"paths\":[\"x/*\"],\"threshold\":1,\"terminating\":true}]},"
            + "\"version\":0,\"expires\":\"2030-01-01T01:00:00.987+01:00\",\"_type\":\"Targets\"}",
        // escapes, quotes, backslashes, control characters, \\u escapes of ASCII, '/'
        HEAD
            + "\"targets\":{\"q\\\"uote\\\\d\":{\"hashes\":{\"sha256\":\"a\\u0041\\/b\"},"
            + "\"length\":0,\"custom\":{\"s\":\"tab\\tnl\\ncr\\r\\u0001\\u001f\\b\\f\\u007f\"}}}}",
        // items the codec re-encodes: unknown item fields, custom null, another field order
        HEAD
            + "\"targets\":{\"a\":{\"custom\":{\"x\":1},\"length\":1,\"hashes\":{\"sha512\":\"x\","
            + "\"sha256\":\"y\"}},\"b\":{\"hashes\":{},\"length\":2,\"custom\":null},"
            + "\"c\":{\"hashes\":{},\"length\":3,\"uri\":\"u\",\"custom\":{}},"
            + "\"d\":{\"hashes\":{},\"length\":4,\"custom\":[]},"
            + "\"e\":{\"length\":4,\"hashes\":{}}}}",
        // numbers: big, long, negative custom values, nested custom objects and arrays
        HEAD
            + "\"targets\":{\"n\":{\"hashes\":{\"sha256\":\"0\"},\"length\":4000000000,"
            + "\"custom\":{\"big\":123456789012345678901234567890,\"neg\":-17,\"e\":-1.5E-7,"
            + "\"deep\":{\"a\":{\"b\":[[],[{}],{\"c\":[null]}]}},\"createdAt\":\"2026\"}}},"
            + "\"custom\":null,\"delegations\":null}",
        // non-ASCII (refused later by requireAscii, but canonical bytes must still agree): code
        // unit order puts U+1F600 (surrogates D83D DE00) before U+FF00
        HEAD
            + "\"targets\":{\"\uff00\":"
            + ITEM
            + ",\"\ud83d\ude00\":"
            + ITEM
            + ",\"caf\u00e9\":{\"hashes\":{},\"length\":1,\"custom\":{\"n\":\"\u00e9\\u00e9\"}}}}");
  }

  @ParameterizedTest
  @MethodSource("accepted")
  void canonicalBytesAndSignedFileEqualTheTreePath(String json) throws IOException {
    sameAsTree(json.getBytes(StandardCharsets.UTF_8), 9, LATER);
  }

  /**
   * Files in garage-sign's own style (printable ASCII, no escapes, integers, re-encoded items) are
   * read by the byte-level scan, with every feature it handles; the others by Jackson.
   */
  static Stream<String> scannable() {
    String item2 =
        "{\"hashes\":{\"sha512\":\"ff\",\"sha256\":\"00\"},\"length\":0,\"custom\":"
            + "{\"z\":[],\"y\":{},\"x\":[[1,-2],{\"b\":true,\"a\":false,\"B\":null}],"
            + "\"uri\":\"https://h/p?q=1&r=/x\",\"n\":123456789012345678,\"w\":\" ~!#$%^*()\"}}";
    return Stream.of(
        HEAD + "\"targets\":{}}",
        HEAD + "\"targets\":{ }}",
        HEAD + "\"targets\":{\"a-1\":" + ITEM + "}}",
        // names that sort by prefix and case; items without custom; an empty hashes object
        HEAD
            + "\"targets\":{\"a-10\":"
            + ITEM
            + ",\"a\":{\"hashes\":{},\"length\":7},\"a-1\":"
            + item2
            + ",\"A\":"
            + ITEM
            + ",\"_\":"
            + ITEM
            + ",\"a.b/c\":"
            + ITEM
            + "}}",
        // whitespace of every kind, CRLF, tabs, fields in any order, unknown top-level fields
        "\r\n\t{ \"targets\" :\t{\r\n\"b\" : { \"hashes\" : { } , \"length\" : 1 ,"
            + " \"custom\" : [ 1 , { } , [ ] ] } } ,\n\"x\":{\"k\":[true,false,null,\"s\",-1]},"
            + "\"_type\":\"TARGETS\",\"version\":0,\"expires\":\"2030-01-01T00:00:00Z\","
            + "\"custom\":{\"c\":1},\"delegations\":{\"keys\":{},\"roles\":[]}}\n\n",
        // a custom that is not an object, at the top level and per target
        HEAD
            + "\"targets\":{\"s\":{\"hashes\":{},\"length\":1,\"custom\":\"text\"}},"
            + "\"custom\":[1,2],\"delegations\":null}");
  }

  @ParameterizedTest
  @MethodSource("scannable")
  void theByteLevelScanReadsGarageSignsStyleAndEqualsTheTreePath(String json) throws IOException {
    assertTrue(sameAsTree(json.getBytes(StandardCharsets.UTF_8), 9, LATER), "scanned");
  }

  /** Inputs just outside the scan's subset: Jackson reads them, with the same result. */
  static Stream<String> notScannable() {
    return Stream.of(
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":1.5}}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":-0}}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":null}}}",
        HEAD + "\"targets\":{\"a\":{\"length\":1,\"hashes\":{}}}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"uri\":\"u\"}}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1234567890123456789}}}",
        HEAD + "\"targets\":{\"a\\/b\":" + ITEM + "}}",
        HEAD + "\"targets\":{\"a\":" + ITEM + "},\"x\":\"\u007f\"}",
        HEAD + "\"targets\":{\"a\":" + ITEM + "},\"x\":\"" + "y".repeat(40_001) + "\"}",
        "\ufeff" + HEAD + "\"targets\":{}}",
        HEAD + "\"targets\":{},\"custom\":" + "[".repeat(70) + "]".repeat(70) + "}");
  }

  @ParameterizedTest
  @MethodSource("notScannable")
  void inputsOutsideTheScanAreReadByJacksonWithTheSameResult(String json) throws IOException {
    assertFalse(sameAsTree(json.getBytes(StandardCharsets.UTF_8), 9, LATER), "scanned");
  }

  @Test
  void generatedRolesOfThousandsOfTargetsEqualTheTreePath() throws IOException {
    // 4096 targets and more: the canonical bytes are written by two threads
    int[] counts = {3000, 4096, 9001};
    for (int seed = 1; seed <= 3; seed++) {
      byte[] file = MetadataJson.pretty(TargetsFixture.unsignedTargets(counts[seed - 1], seed));
      assertTrue(sameAsTree(file, 2, Instant.parse("2027-12-31T00:00:00Z")), "scanned");
    }
  }

  @Test
  void aScanSplitBetweenTwoThreadsEqualsOneThreadsScanWhateverTheInput() throws IOException {
    List<String> inputs = new ArrayList<>();
    accepted().forEach(inputs::add);
    scannable().forEach(inputs::add);
    notScannable().forEach(inputs::add);
    refused().forEach(inputs::add);
    for (String json : inputs) {
      sameSplitOrNot(json.getBytes(StandardCharsets.UTF_8)); // small: split wherever it can
    }
    String big =
        new String(
            MetadataJson.pretty(TargetsFixture.unsignedTargets(3000, 4)), StandardCharsets.UTF_8);
    assertTrue(sameSplitOrNot(big.getBytes(StandardCharsets.UTF_8)), "split");
    int last = big.lastIndexOf("\"length\" : ");
    // a bad target in the second half: both refuse it (Jackson's path words the error)
    String bad = big.substring(0, last) + "\"length\" : -" + big.substring(last + 11);
    assertNull(TargetsScan.scan(bad.getBytes(StandardCharsets.UTF_8), 0));
    refusedAsByTheTreePath(bad);
    // the first target's name again in the second half: the duplicate is still found
    int first = big.indexOf('"', big.indexOf("\"targets\" : {") + 13);
    String name = big.substring(first, big.indexOf('"', first + 1) + 1);
    int lastName = big.lastIndexOf("\n    \"") + 5;
    String dup =
        big.substring(0, lastName) + name + big.substring(big.indexOf('"', lastName + 1) + 1);
    assertNull(TargetsScan.scan(dup.getBytes(StandardCharsets.UTF_8), 0));
    refusedAsByTheTreePath(dup);
    // what looks like a member after the middle is inside the first target's custom value
    String inside =
        HEAD
            + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":{\"pad\":\""
            + "p".repeat(30_000)
            + "\",\"x\":{},\"y\":{\"hashes\":{},\"length\":2}}},\"b\":"
            + ITEM
            + "}}";
    assertFalse(sameSplitOrNot(inside.getBytes(StandardCharsets.UTF_8)), "not split");
    assertTrue(sameAsTree(inside.getBytes(StandardCharsets.UTF_8), 4, LATER), "scanned");
    // the middle after targets (a large delegations object): one thread
    String after =
        HEAD
            + "\"targets\":{\"a\":"
            + ITEM
            + "},\"delegations\":{\"keys\":{},\"roles\":[{\"pad\":\""
            + "q".repeat(30_000)
            + "\"},{\"x\":{},\"y\":{\"hashes\":{}}}]}}";
    assertFalse(sameSplitOrNot(after.getBytes(StandardCharsets.UTF_8)), "not split");
  }

  /** The scan with and without a second thread gives the same bytes (or both refuse). */
  private static boolean sameSplitOrNot(byte[] file) throws IOException {
    TargetsScan one = TargetsScan.scan(file, Integer.MAX_VALUE);
    TargetsScan two = TargetsScan.scan(file, 0);
    assertEquals(scanOutput(one), scanOutput(two), new String(file, StandardCharsets.UTF_8));
    assertFalse(one != null && one.split());
    return two != null && two.split();
  }

  private static String scanOutput(TargetsScan s) throws IOException {
    if (s == null) {
      return null;
    }
    byte[] canonical = new byte[(int) s.canonicalSize()];
    s.writeCanonical(canonical, 0);
    ByteArrayOutputStream pretty = new ByteArrayOutputStream();
    s.writeTargets(pretty);
    return new String(canonical, StandardCharsets.US_ASCII)
        + "\n"
        + pretty.toString(StandardCharsets.US_ASCII);
  }

  /** The streaming path refuses the file with the tree path's error (read once and twice). */
  private void refusedAsByTheTreePath(String json) throws IOException {
    Path f = dir.resolve("targets.json");
    Files.writeString(f, json, StandardCharsets.UTF_8);
    MetadataException tree =
        assertThrows(
            MetadataException.class, () -> TargetsRole.of(MetadataJson.read(f), f.toString()));
    for (boolean once : new boolean[] {true, false}) {
      MetadataException streamed =
          assertThrows(MetadataException.class, () -> StreamedTargets.read(f, once));
      assertEquals(tree.getMessage(), streamed.getMessage());
      assertEquals(tree.hint(), streamed.hint());
    }
  }

  @Test
  void theGoldenUnsignedTargetsGiveTheGoldenCanonicalBytes() throws IOException {
    Path f = dir.resolve("targets.json");
    Files.copy(Vectors.path("repo-flow/tuf/myrepo/roles/unsigned/targets.json"), f);
    for (boolean once : new boolean[] {true, false}) {
      StreamedTargets t = StreamedTargets.read(f, once);
      assertEquals(once, t.scanned());
      assertArrayEquals(
          Vectors.bytes("repo-flow/targets-unsigned-v1.canonical.txt"),
          t.canonical(t.version(), t.expires()));
    }
  }

  /** Tree path: what targets sign did before streaming. */
  private boolean sameAsTree(byte[] file, int version, Instant expires) throws IOException {
    Path f = dir.resolve("targets.json");
    Files.write(f, file);
    TargetsRole role =
        TargetsRole.of(MetadataJson.parse(file, f.toString()), f.toString())
            .withVersion(version)
            .withExpires(expires);
    SignedMetadata tree = SignedMetadata.unsigned(role.json());
    byte[] treeCanonical = tree.canonicalSigned();
    List<TufSignature> sigs =
        List.of(
            new TufSignature("ab".repeat(32), SignatureMethod.ED25519, new byte[64]),
            new TufSignature("cd".repeat(32), SignatureMethod.RSASSA_PSS_SHA256, new byte[256]));
    SignedMetadata treeSigned = tree;
    for (TufSignature s : sigs) {
      treeSigned = treeSigned.withSignature(s);
    }
    ByteArrayOutputStream treeFile = new ByteArrayOutputStream();
    MetadataJson.writePretty(treeSigned.toJson(), treeFile);

    boolean scanned = false;
    for (boolean once : new boolean[] {true, false}) {
      StreamedTargets streamed = StreamedTargets.read(f, once);
      assertEquals(once, streamed.heldInMemory());
      scanned |= streamed.scanned();
      String mode = once ? "read once" : "read twice";
      assertArrayEquals(
          treeCanonical, streamed.canonical(version, expires), "canonical bytes, " + mode);
      ByteArrayOutputStream streamedFile = new ByteArrayOutputStream();
      streamed.writeSigned(streamedFile, sigs, version, expires);
      assertEquals(treeFile.toString(StandardCharsets.UTF_8), streamedFile.toString(UTF8), mode);
      assertArrayEquals(treeFile.toByteArray(), streamedFile.toByteArray(), "signed file, " + mode);

      // the decoded fields, and the ASCII verdict
      TargetsRole unchanged = TargetsRole.of(MetadataJson.parse(file, "x"), "x");
      StreamedTargets again = StreamedTargets.read(f, once);
      assertEquals(unchanged.version(), again.version());
      assertEquals(unchanged.expires(), again.expires());
      assertEquals(message(() -> tree.requireAscii()), message(again::requireAscii), mode);
    }
    return scanned;
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** Files the tree path refuses: the streaming path must refuse them with the same error. */
  static Stream<String> refused() {
    String item = ITEM;
    List<String> l = new ArrayList<>();
    l.add("");
    l.add("   ");
    l.add("{");
    l.add("[1]");
    l.add("\"text\"");
    l.add("[".repeat(5000) + "]".repeat(5000));
    l.add("{}");
    l.add(HEAD + "\"targets\":{}} trailing");
    l.add(HEAD + "\"targets\":{}}{}");
    l.add(HEAD + "\"targets\":{},\"version\":4}");
    l.add(HEAD + "\"targets\":{\"a\":" + item + ",\"a\":" + item + "}}");
    l.add("{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"version\":1,\"targets\":{}}");
    l.add("{\"_type\":5,\"targets\":{}}");
    l.add("{\"_type\":\"Targets\",\"version\":1,\"targets\":{}}");
    l.add("{\"_type\":\"Targets\",\"expires\":5,\"version\":1,\"targets\":{}}");
    l.add("{\"_type\":\"Targets\",\"expires\":\"soon\",\"version\":1,\"targets\":{}}");
    String t = "{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\",";
    l.add(t + "\"targets\":{}}");
    l.add(t + "\"version\":-1,\"targets\":{}}");
    l.add(t + "\"version\":\"1\",\"targets\":{}}");
    l.add(t + "\"version\":1.0,\"targets\":{}}");
    l.add(t + "\"version\":2147483648,\"targets\":{}}");
    l.add(t + "\"version\":1}");
    l.add(t + "\"version\":1,\"targets\":[]}");
    l.add(t + "\"version\":1,\"targets\":null}");
    l.add(HEAD + "\"targets\":{\"a..b\":" + item + "}}");
    l.add(HEAD + "\"targets\":{\"\":" + item + "}}");
    l.add(HEAD + "\"targets\":{\"" + "x".repeat(254) + "\":" + item + "}}");
    l.add(HEAD + "\"targets\":{\"a\":5}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"length\":1}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":[],\"length\":1}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{\"sha256\":1},\"length\":1}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":-1}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1.5}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":99999999999999999999}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{}}}}");
    // in garage-sign's style but for one thing (the byte-level scan must leave them to Jackson)
    l.add(HEAD + "\"targets\":{\"a\":" + item + "},\"version\":3}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{\"s\":\"1\",\"s\":\"2\"},\"length\":1}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":{\"k\":1,\"k\":1}}}}");
    l.add(HEAD + "\"targets\":{\"a\":" + item + ",\"b\":" + item + ",\"a\":" + item + "}}");
    // from 4096 targets the names are sorted by two threads: a duplicate name in each half
    StringBuilder many = new StringBuilder(HEAD + "\"targets\":{");
    for (int i = 0; i < 5000; i++) {
      many.append(String.format("\"t%04d\":", i)).append(item).append(',');
    }
    l.add(many + "\"t0000\":" + item + "}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":01}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":-0}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1x}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":tru}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":[1,]}}}");
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":{\"k\":1,}}}}");
    l.add(HEAD + "\"targets\":{\"a\":" + item + ",}}");
    l.add(HEAD + "\"targets\":{\"a\":" + item);
    l.add(HEAD + "\"targets\":{\"a\":{\"hashes\":{\"sha256\":\"00");
    l.add(HEAD + "\"targets\":{\"a\":" + item + "}} x");
    l.add(HEAD + "\"targets\":{\"a\":" + item + "}}\u0000");
    l.add(HEAD + "\"targets\":{\"a\":" + item + "},\"delegations\":{\"x\":1,\"x\":2}}");
    l.add(HEAD + "\"targets\":{\"a\":" + item + "},\"targets\":{}}");
    // the first bad target is named, not a later one
    l.add(HEAD + "\"targets\":{\"ok\":" + item + ",\"a\":{},\"b..\":5}}");
    // a syntax error after a bad target: the syntax error comes first, as in the tree path
    l.add(HEAD + "\"targets\":{\"a\":{},\"b\":" + item + "}, \"x\": [1,}");
    // a bad target and a bad _type later in the file: _type is checked first
    l.add("{\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"a\":{}},\"_type\":\"Root\"}");
    l.add(HEAD + "\"targets\":{},\"delegations\":[]}");
    l.add(HEAD + "\"targets\":{\"a\":{}},\"delegations\":[]}");
    l.add("{\"a\":\"" + "x".repeat(100) + "\u0000\"}");
    l.add(
        HEAD
            + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":1"
            + "0".repeat(2000)
            + "}}}");
    return l.stream();
  }

  @ParameterizedTest
  @MethodSource("refused")
  void badFilesGiveTheTreePathsFirstError(String json) throws IOException {
    Path f = dir.resolve("targets.json");
    Files.writeString(f, json, StandardCharsets.UTF_8);
    MetadataException tree =
        assertThrows(
            MetadataException.class,
            () -> {
              JsonNode n = MetadataJson.read(f);
              if (!n.isObject()) {
                // Repository.unsignedRole's wording
                throw new MetadataException(f + " must hold a JSON object");
              }
              TargetsRole.of(n, f.toString());
            });
    for (boolean once : new boolean[] {true, false}) {
      MetadataException streamed =
          assertThrows(MetadataException.class, () -> StreamedTargets.read(f, once));
      assertEquals(tree.getMessage(), streamed.getMessage(), once ? "read once" : "read twice");
      assertEquals(tree.hint(), streamed.hint());
    }
  }

  /** Non-ASCII signed content: the same field is named first. */
  static Stream<String> nonAscii() {
    return Stream.of(
        HEAD + "\"targets\":{\"ok\":" + ITEM + ",\"b\u00e4d\":" + ITEM + "}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{\"sha256\":\"\u00e9\"},\"length\":1}}}",
        HEAD + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":{\"k\u00e9y\":1}}}}",
        HEAD
            + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"custom\":{\"n\":[\"x\",\"\u2603\"]}}},"
            + "\"custom\":{\"c\":\"\u00e9\"}}",
        HEAD
            + "\"targets\":{\"a\":"
            + ITEM
            + "},\"custom\":{\"c\":\"\u00e9\"},"
            + "\"delegations\":{\"keys\":{\"\u00e9\":1}}}",
        HEAD + "\"targets\":{},\"custom\":{\"c\":\"\\u00e9\"}}",
        // dropped fields do not count: an unknown item field and an unknown top-level field
        HEAD
            + "\"targets\":{\"a\":{\"hashes\":{},\"length\":1,\"uri\":\"\u00e9\"}},\"x\":\"\u00e9\"}");
  }

  @ParameterizedTest
  @MethodSource("nonAscii")
  void nonAsciiContentNamesTheSameFieldAsTheTreePath(String json) throws IOException {
    Path f = dir.resolve("targets.json");
    Files.writeString(f, json, StandardCharsets.UTF_8);
    TargetsRole role = TargetsRole.of(MetadataJson.read(f), f.toString());
    String tree = message(() -> SignedMetadata.unsigned(role.json()).requireAscii());
    String streamed = message(StreamedTargets.read(f, true)::requireAscii);
    assertEquals(tree, streamed);
    assertEquals(tree, message(StreamedTargets.read(f, false)::requireAscii));
    if (!json.contains("\"x\":\"\u00e9\"")) {
      assertNotNull(streamed, "non-ASCII content must be refused");
    }
  }

  @Test
  void aFileReadOnceIsSignedAndWrittenAsItWasRead() throws IOException {
    Path f = dir.resolve("targets.json");
    String before = HEAD + "\"targets\":{\"a\":" + ITEM + "}}";
    Files.writeString(f, before);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    StreamedTargets.read(f, true).writeSigned(expected, List.of(), 4, LATER);
    for (String after : List.of(HEAD + "\"targets\":{\"b\":" + ITEM + "}}", "{\"targets\":")) {
      Files.writeString(f, before);
      StreamedTargets t = StreamedTargets.read(f, true);
      byte[] canonical = t.canonical(4, LATER);
      Files.writeString(f, after);
      ByteArrayOutputStream written = new ByteArrayOutputStream();
      t.writeSigned(written, List.of(), 4, LATER);
      // what is written is what was signed: the file as it was read, never a mix
      assertArrayEquals(expected.toByteArray(), written.toByteArray());
      Files.writeString(f, before);
      assertArrayEquals(StreamedTargets.read(f, false).canonical(4, LATER), canonical);
    }
  }

  @Test
  void aFileChangedBetweenTheTwoReadsIsRefused() throws IOException {
    Path f = dir.resolve("targets.json");
    Files.writeString(f, HEAD + "\"targets\":{\"a\":" + ITEM + "}}");
    StreamedTargets t = StreamedTargets.read(f, false);
    t.canonical(4, LATER);
    // same length, one byte different: only the checksum tells
    Files.writeString(f, HEAD + "\"targets\":{\"b\":" + ITEM + "}}");
    MetadataException e =
        assertThrows(
            MetadataException.class,
            () -> t.writeSigned(new ByteArrayOutputStream(), List.of(), 4, LATER));
    assertTrue(e.getMessage().startsWith(f + " changed while it was being signed"), e.getMessage());
    // and one that no longer parses
    StreamedTargets u = StreamedTargets.read(f, false);
    Files.writeString(f, "{\"targets\":");
    e =
        assertThrows(
            MetadataException.class,
            () -> u.writeSigned(new ByteArrayOutputStream(), List.of(), 4, LATER));
    assertTrue(e.getMessage().contains("changed while it was being signed"), e.getMessage());
  }

  @Test
  void canonicalIsMadeOnce() throws IOException {
    Path f = dir.resolve("targets.json");
    Files.writeString(f, HEAD + "\"targets\":{}}");
    StreamedTargets t = StreamedTargets.read(f);
    t.canonical(1, LATER);
    assertThrows(IllegalStateException.class, () -> t.canonical(1, LATER));
  }

  private static String message(Runnable r) {
    try {
      r.run();
      return null;
    } catch (MetadataException e) {
      return e.getMessage() + " | " + e.hint();
    }
  }
}
