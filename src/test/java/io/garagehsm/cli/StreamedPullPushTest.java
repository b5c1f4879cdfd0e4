package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.bench.TargetsFixture;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.HostileServer;
import io.garagehsm.server.testserver.HostileServer.Req;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code targets pull} and {@code targets push} stream large roles (issue 9): the pushed request is
 * byte for byte what the tree path sent, the pulled file is what it wrote, and a body that breaks
 * off, grows too large or fails its signature leaves the repository byte-identical with the
 * documented one-line error. Large = 3,000 targets (~1.4 MB), past the 500,000-byte gzip threshold.
 */
class StreamedPullPushTest {
  private static final int LARGE = 3000;

  @TempDir Path home;
  private TestReposerver server;
  private HostileServer front;
  private Repository repo;
  private CliRun cli;

  @BeforeEach
  void setUp() throws Exception {
    server = TestReposerver.start();
    front = HostileServer.inFrontOf(server.url());
    repo = HostileServerCliTest.repoBehind(home, server, front, null);
    cli = new CliRun(home).env("GARAGE_HSM_RETRIES", "0");
    assertEquals(0, cli.run("targets", "pull", "-r", "r").exit());
  }

  @AfterEach
  void tearDown() throws Exception {
    front.close();
    server.close();
  }

  /** roles/targets.json v{@code version} with {@code count} targets, signed by the server's key. */
  private SignedMetadata signed(int version, int count) {
    ObjectNode u = TargetsFixture.unsignedTargets(count, 7);
    u.put("version", version);
    SignedMetadata md =
        MetadataSigner.sign(
            SignedMetadata.unsigned(u), List.of(new FileSigner(server.targetsKey, "test key")));
    repo.writeSignedRole("targets", md);
    return md;
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(b);
    }
    return out.toByteArray();
  }

  private Req onlyPut() {
    List<Req> puts = front.requests().stream().filter(r -> r.is("PUT", "/targets")).toList();
    assertEquals(1, puts.size(), front.lines().toString());
    return puts.get(0);
  }

  /** The scratch files a pull or push makes in roles/ are gone afterwards. */
  private void assertNoScratchFiles() throws IOException {
    try (Stream<Path> s = Files.list(repo.rolesDir())) {
      assertEquals(
          List.of(),
          s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
    }
  }

  private static List<String> errors(CliRun.Result r) {
    return r.err().lines().filter(l -> l.startsWith("error: ")).toList();
  }

  @Test
  void largePushSendsTheTreePathsBytesAndPullWritesTheTreePathsFile() throws Exception {
    signed(2, LARGE);
    String sum = repo.targetsChecksum().orElseThrow();
    // what the tree path sent: compact JSON of the envelope as read, gzipped whole
    byte[] compact = MetadataJson.compact(repo.signedRole("targets").orElseThrow().toJson());
    assertTrue(compact.length >= 500_000, "the test needs a gzipped body: " + compact.length);
    CliRun.Result push = cli.run("targets", "push", "-r", "r");
    assertEquals(0, push.exit(), push.toString());
    Req put = onlyPut();
    assertArrayEquals(gzip(compact), put.body());
    assertEquals("gzip", put.header("content-encoding"));
    assertEquals("application/json", put.header("content-type"));
    assertEquals(String.valueOf(put.body().length), put.header("content-length"));
    assertEquals(sum, put.header("x-ats-role-checksum"));
    assertEquals(server.targetsChecksum(), repo.targetsChecksum().orElseThrow());
    assertEquals(2, MetadataJson.versionIn(repo.unsignedFile("targets"), false).getAsInt());
    assertNoScratchFiles();

    Files.delete(repo.unsignedFile("targets"));
    CliRun.Result pull = cli.run("targets", "pull", "-r", "r");
    assertEquals(0, pull.exit(), pull.toString());
    // what the tree path wrote: the served (canonical) body's signed part, in the served order
    byte[] expected =
        MetadataJson.pretty(
            MetadataJson.parse(CanonicalJson.encode(server.targets().toJson()), "served")
                .get("signed"));
    assertArrayEquals(expected, Files.readAllBytes(repo.unsignedFile("targets")));
    assertEquals(server.targetsChecksum(), repo.targetsChecksum().orElseThrow());
    assertNoScratchFiles();

    // the same through a gzipped answer (decoded from the scratch file)
    server.gzipResponses();
    Files.delete(repo.unsignedFile("targets"));
    pull = cli.run("targets", "pull", "-r", "r");
    assertEquals(0, pull.exit(), pull.toString());
    assertArrayEquals(expected, Files.readAllBytes(repo.unsignedFile("targets")));
    assertNoScratchFiles();
  }

  @Test
  void smallPushIsSentUngzippedAsBefore() throws Exception {
    signed(2, 3);
    byte[] compact = MetadataJson.compact(repo.signedRole("targets").orElseThrow().toJson());
    CliRun.Result push = cli.run("targets", "push", "-r", "r");
    assertEquals(0, push.exit(), push.toString());
    Req put = onlyPut();
    assertArrayEquals(compact, put.body());
    assertEquals(null, put.header("content-encoding"));
    assertNoScratchFiles();
  }

  @Test
  void largePushWithAStaleChecksumStillExitsTwo() throws Exception {
    signed(2, LARGE);
    repo.writeTargetsChecksum("0".repeat(64));
    Map<String, String> before = HostileServerCliTest.snapshot(repo.dir());
    CliRun.Result push = cli.run("targets", "push", "-r", "r");
    assertEquals(ExitCodes.CHECKSUM, push.exit(), push.toString());
    assertEquals(
        List.of(
            "error: could not overwrite targets, trying to update an older version of role. Did"
                + " you run `targets pull` ?"),
        errors(push));
    assertEquals(before, HostileServerCliTest.snapshot(repo.dir()));
    assertNoScratchFiles();
  }

  @Test
  void largePushRedirectedIsNotFollowedAndChangesNothing() throws Exception {
    signed(2, LARGE);
    Map<String, String> before = HostileServerCliTest.snapshot(repo.dir());
    front.on(r -> r.is("PUT", "/targets"), 1, HostileServer.redirect(307, server.url() + "/x"));
    CliRun.Result push = cli.run("targets", "push", "-r", "r");
    assertEquals(ExitCodes.OTHER, push.exit(), push.toString());
    assertEquals(1, errors(push).size(), push.toString());
    assertTrue(errors(push).get(0).startsWith("error: PUT targets got HTTP 307"), push.err());
    onlyPut(); // sent once, not re-sent to the Location
    assertEquals(before, HostileServerCliTest.snapshot(repo.dir()));
    assertNoScratchFiles();
  }

  /** The server's real answer to GET targets.json after a push of {@code count} targets. */
  private byte[] pushedAndServed(int count) throws Exception {
    signed(2, count);
    assertEquals(0, cli.run("targets", "push", "-r", "r").exit());
    return CanonicalJson.encode(server.targets().toJson());
  }

  private static void head(OutputStream out, String extra) throws IOException {
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-ats-role-checksum: "
                + "a".repeat(64)
                + "\r\n"
                + extra
                + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
  }

  private void assertPullFailsAndChangesNothing(
      HostileServer.Answer answer, int exit, String errorStart, String... env) throws Exception {
    Map<String, String> before = HostileServerCliTest.snapshot(repo.dir());
    front.always(r -> r.is("GET", "/targets.json"), answer);
    CliRun run = cli;
    for (int i = 0; i < env.length; i += 2) {
      run = run.env(env[i], env[i + 1]);
    }
    CliRun.Result pull = run.run("targets", "pull", "-r", "r");
    assertEquals(exit, pull.exit(), pull.toString());
    assertEquals(1, errors(pull).size(), pull.toString());
    assertTrue(errors(pull).get(0).startsWith(errorStart), pull.err());
    assertEquals(before, HostileServerCliTest.snapshot(repo.dir()));
    assertNoScratchFiles();
  }

  @Test
  void pullOfABodyCutShortOfItsLengthChangesNothing() throws Exception {
    byte[] body = pushedAndServed(LARGE);
    assertPullFailsAndChangesNothing(
        (req, out) -> {
          head(out, "Content-Length: " + body.length + "\r\n");
          out.write(body, 0, body.length / 2);
          out.flush();
        },
        ExitCodes.OTHER,
        "error: GET targets.json got no answer from " + front.url());
  }

  @Test
  void pullOfAChunkedBodyClosedMidwayChangesNothing() throws Exception {
    byte[] body = pushedAndServed(LARGE);
    assertPullFailsAndChangesNothing(
        (req, out) -> {
          head(out, "Transfer-Encoding: chunked\r\n");
          int half = body.length / 2;
          out.write((Integer.toHexString(half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(body, 0, half);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush(); // and the connection closes without the last chunk
        },
        ExitCodes.OTHER,
        "error: GET targets.json got no answer from " + front.url());
  }

  @Test
  void pullOfACompleteButTruncatedJsonChangesNothing() throws Exception {
    byte[] body = pushedAndServed(LARGE);
    byte[] half = java.util.Arrays.copyOf(body, body.length / 2);
    assertPullFailsAndChangesNothing(
        (req, out) -> {
          head(out, "Content-Length: " + half.length + "\r\n");
          out.write(half);
        },
        ExitCodes.OTHER,
        "error: targets.json from " + front.url() + " is not valid JSON: ");
  }

  @Test
  void pullOfAnEndlessChunkedBodyIsCutOffAtTheLimit() throws Exception {
    assertPullFailsAndChangesNothing(
        (req, out) -> {
          head(out, "Transfer-Encoding: chunked\r\n");
          byte[] chunk = new byte[1 << 16];
          java.util.Arrays.fill(chunk, (byte) ' ');
          byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes();
          for (int i = 0; i < 1024; i++) { // 64 MiB, unless the client hangs up first
            out.write(size);
            out.write(chunk);
            out.write("\r\n".getBytes());
          }
        },
        ExitCodes.OTHER,
        "error: GET targets.json: the answer from " + front.url() + " is more than 1 MiB",
        "GARAGE_HSM_MAX_RESPONSE_SIZE",
        "1m");
  }

  @Test
  void pullOfADeclaredOversizedBodyIsRefused() throws Exception {
    assertPullFailsAndChangesNothing(
        HostileServer.huge(64L << 20),
        ExitCodes.OTHER,
        "error: GET targets.json: the answer from " + front.url() + " is more than 1 MiB",
        "GARAGE_HSM_MAX_RESPONSE_SIZE",
        "1m");
  }

  @Test
  void pullOfALargeBodyWhoseSignatureFailsChangesNothing() throws Exception {
    byte[] body = pushedAndServed(LARGE);
    // one target's length changed after signing: valid JSON, a signature that no longer verifies
    String text = new String(body, StandardCharsets.UTF_8);
    int at = text.indexOf("\"length\":") + "\"length\":".length();
    byte[] forged = (text.substring(0, at) + "1" + text.substring(at)).getBytes();
    String keyId = server.targetsKey.publicKey().keyId();
    assertPullFailsAndChangesNothing(
        (req, out) -> {
          head(out, "Content-Length: " + forged.length + "\r\n");
          out.write(forged);
        },
        ExitCodes.EXPLAINED,
        "error: targets.json v2 from the server is not signed by the targets role of root v1: 0"
            + " valid of threshold 1; invalid signature by "
            + keyId);
  }
}
