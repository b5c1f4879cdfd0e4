package io.garagehsm.ops.ceremony;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.SignatureAhead;
import io.garagehsm.signing.SignatureLog;
import io.garagehsm.signing.SignatureRecord;
import io.garagehsm.signing.Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several file keys sign side by side, yet every key is opened, reported, logged and failed in its
 * turn, exactly as one after the other.
 */
class KeyholderSigningTest {
  @TempDir Path dir;

  private KeyDirectory keys(String... pairs) throws Exception {
    Path k = Files.createDirectories(dir.resolve("keys"));
    for (int i = 0; i < pairs.length; i += 2) {
      Files.copy(Vectors.path("keys/" + pairs[i + 1] + ".pub"), k.resolve(pairs[i] + ".pub"));
      Files.copy(Vectors.path("keys/" + pairs[i + 1] + ".sec"), k.resolve(pairs[i] + ".sec"));
    }
    return new KeyDirectory(k);
  }

  private static SignedMetadata root() {
    return SignedMetadata.unsigned(
        MetadataJson.object().put("_type", "Root").put("version", 2).put("note", "ahead"));
  }

  /** What the user and the log see, in order. */
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  private final List<SignatureRecord> log = Collections.synchronizedList(new ArrayList<>());

  private SignedMetadata sign(KeyDirectory keys, List<String> names) {
    Function<String, Signer> open =
        n -> {
          events.add("open " + n + " on " + Thread.currentThread().getName());
          Signer s = keys.signer(n, (uri, expected, name) -> null);
          events.add("opened " + n);
          return s;
        };
    KeyholderSigning.Keyholders k =
        new KeyholderSigning.Keyholders(
            keys, open, uri -> true, TokenPrompter.none(), line -> events.add("info " + line));
    SignatureLog logger =
        r -> {
          log.add(r);
          events.add("log " + r.keyId());
        };
    return SignatureLog.recording(
        logger,
        () ->
            KeyholderSigning.sign(
                root(), names, k, md -> md.signatures().size() + " signature(s)"));
  }

  private static String keyId(String vector) {
    return TufKey.fromJson(MetadataJson.read(Vectors.path("keys/" + vector + ".pub")), vector)
        .keyId();
  }

  @Test
  void threeFileKeysAreOpenedReportedAndLoggedInTurnAndAllVerify() throws Exception {
    KeyDirectory keys = keys("old", "ed25519", "new", "rsa4096", "third", "rsa2048");
    String main = Thread.currentThread().getName();
    SignedMetadata out = sign(keys, List.of("old", "new", "third"));
    assertEquals(
        List.of(
            "open old on " + main,
            "opened old",
            "log " + keyId("ed25519"),
            "info signed with key 'old': 1 signature(s)",
            "open new on " + main,
            "opened new",
            "log " + keyId("rsa4096"),
            "info signed with key 'new': 2 signature(s)",
            "open third on " + main,
            "opened third",
            "log " + keyId("rsa2048"),
            "info signed with key 'third': 3 signature(s)"),
        events);
    List<TufSignature> sigs = out.signatures();
    assertEquals(
        List.of(keyId("ed25519"), keyId("rsa4096"), keyId("rsa2048")),
        sigs.stream().map(TufSignature::keyId).toList());
    byte[] data = out.canonicalSigned();
    String[] vectors = {"ed25519", "rsa4096", "rsa2048"};
    for (int i = 0; i < 3; i++) {
      TufKey pub = keys.publicKey(List.of("old", "new", "third").get(i));
      assertTrue(sigs.get(i).method().verify(pub.publicKey(), data, sigs.get(i).sig()), vectors[i]);
      assertTrue(log.get(i).verified());
      assertTrue(log.get(i).location().endsWith(List.of("old", "new", "third").get(i) + ".sec"));
    }
  }

  @Test
  void anUnreadableKeyFailsInItsTurnAfterTheKeysBeforeItAndNothingAfter() throws Exception {
    KeyDirectory keys = keys("old", "ed25519", "bad", "rsa2048", "last", "rsa4096");
    Files.writeString(
        dir.resolve("keys/bad.sec"),
        "{\"keytype\":\"RSA\",\"keyval\":{\"private\":\"not a key\"}}",
        StandardCharsets.US_ASCII);
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> sign(keys, List.of("old", "bad", "last")));
    // the same error the key meets when opened on its own
    RuntimeException alone =
        assertThrows(RuntimeException.class, () -> keys.signer("bad", (u, x, n) -> null));
    assertEquals(alone.getClass(), e.getClass());
    assertEquals(alone.getMessage(), e.getMessage());
    String main = Thread.currentThread().getName();
    assertEquals(
        List.of(
            "open old on " + main,
            "opened old",
            "log " + keyId("ed25519"),
            "info signed with key 'old': 1 signature(s)",
            "open bad on " + main),
        events);
    assertEquals(1, log.size());
  }

  @Test
  void aSignatureMadeAheadIsUsedOnlyForTheSameKeyAndTheSameBytes() throws Exception {
    KeyDirectory keys = keys("a", "rsa2048", "b", "rsa4096");
    byte[] data = "{\"signed\":1}".getBytes(StandardCharsets.US_ASCII);
    FileSigner a = new FileSigner(keys.keyPair("a"), "a.sec");
    FileSigner b = new FileSigner(keys.keyPair("b"), "b.sec");
    SignatureAhead ahead = SignatureAhead.start(() -> a, data);
    // another key in its turn (the file changed meanwhile): it signs itself
    byte[] byB = ahead.standIn(b).sign(data);
    assertTrue(b.method().verify(b.publicKey().publicKey(), data, byB));
    assertFalse(a.method().verify(a.publicKey().publicKey(), data, byB));
    // other bytes: signed afresh
    byte[] other = "{\"signed\":2}".getBytes(StandardCharsets.US_ASCII);
    assertTrue(a.method().verify(a.publicKey().publicKey(), other, ahead.standIn(a).sign(other)));
    // the same key and bytes: the signature made ahead, every time the same one
    byte[] first = ahead.standIn(a).sign(data);
    assertArrayEquals(first, ahead.standIn(a).sign(data));
    assertTrue(a.method().verify(a.publicKey().publicKey(), data, first));
    assertEquals("a.sec", ahead.standIn(a).location());
    assertEquals(a.keyId(), ahead.standIn(a).keyId());
  }

  @Test
  void aKeyThatFailsAheadSignsInItsTurnAndReportsItsOwnError() throws Exception {
    KeyDirectory keys = keys("a", "ed25519");
    byte[] data = "{\"signed\":1}".getBytes(StandardCharsets.US_ASCII);
    FileSigner a = new FileSigner(keys.keyPair("a"), "a.sec");
    SignatureAhead failed =
        SignatureAhead.start(
            () -> {
              throw new IllegalStateException("ahead failed");
            },
            data);
    byte[] sig = failed.standIn(a).sign(data);
    assertTrue(a.method().verify(a.publicKey().publicKey(), data, sig));
  }
}
