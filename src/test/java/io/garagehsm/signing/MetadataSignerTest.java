package io.garagehsm.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.metadata.TufSignature;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every signature is verified under the signer's expected key before anyone may use it. */
class MetadataSignerTest {
  static final byte[] DATA = "{\"_type\":\"Targets\"}".getBytes(StandardCharsets.US_ASCII);

  /** A signer that claims one key but signs with another (a swapped or wrong token key). */
  record Swapped(TufKey claimed, Signer actual) implements Signer {
    @Override
    public TufKey publicKey() {
      return claimed;
    }

    @Override
    public String location() {
      return "pkcs11:token=swapped;object=k";
    }

    @Override
    public byte[] sign(byte[] data) {
      return actual.sign(data);
    }
  }

  @Test
  void aSignatureThatDoesNotVerifyUnderTheExpectedKeyIsRefused() {
    TufKeyPair expected = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair other = TufKeyPair.generate(KeyType.ED25519, 256);
    Signer wrong = new Swapped(expected.publicKey(), new FileSigner(other, "other.sec"));
    SigningException e =
        assertThrows(SigningException.class, () -> MetadataSigner.signChecked(wrong, DATA));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    assertTrue(e.getMessage().contains(expected.publicKey().keyId()), e.getMessage());

    Signer right = new FileSigner(expected, "expected.sec");
    assertArrayEquals(
        right.sign(DATA),
        MetadataSigner.signChecked(right, DATA).sig(),
        "Ed25519 is deterministic");
  }

  @Test
  void largeDataIsCheckedOnAnotherThreadAndStillRefusedAndLogged() {
    // 2 MiB: above the size from which the digest and the check run beside the caller
    byte[] large = new byte[2 << 20];
    java.util.Arrays.fill(large, (byte) 'x');
    TufKeyPair expected = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair other = TufKeyPair.generate(KeyType.ED25519, 256);
    java.util.List<SignatureRecord> log = new java.util.ArrayList<>();
    Signer wrong = new Swapped(expected.publicKey(), new FileSigner(other, "other.sec"));
    MetadataSigner.Pending p =
        SignatureLog.recording(log::add, () -> MetadataSigner.signCheckedLater(wrong, large));
    assertTrue(log.isEmpty(), "reported only once checked");
    SigningException e =
        assertThrows(SigningException.class, () -> SignatureLog.recording(log::add, p::checked));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    assertEquals(1, log.size());
    assertFalse(log.get(0).verified());
    assertEquals(SignatureLog.sha256Hex(large), log.get(0).signedSha256());

    Signer right = new FileSigner(expected, "expected.sec");
    TufSignature good =
        SignatureLog.recording(log::add, () -> MetadataSigner.signChecked(right, large));
    assertArrayEquals(right.sign(large), good.sig());
    assertTrue(log.get(1).verified());
  }

  @Test
  void largeDataIsCheckedWhileSigningOrAfterAndEitherWayRefusesAWrongSignature() {
    byte[] large = new byte[(1 << 20) + 17];
    java.util.Arrays.fill(large, (byte) 'y');
    for (KeyType type : new KeyType[] {KeyType.ED25519, KeyType.RSA}) {
      TufKeyPair expected = TufKeyPair.generate(type, type == KeyType.RSA ? 2048 : 256);
      TufKeyPair other = TufKeyPair.generate(type, type == KeyType.RSA ? 2048 : 256);
      Signer wrong = new Swapped(expected.publicKey(), new FileSigner(other, "other.sec"));
      Signer right = new FileSigner(expected, "expected.sec");
      for (boolean whileSigning : new boolean[] {true, false}) {
        String what = type + (whileSigning ? " checked while signing" : " checked after");
        MetadataSigner.Pending bad = MetadataSigner.signCheckedLater(wrong, large, whileSigning);
        SigningException e = assertThrows(SigningException.class, bad::checked, what);
        assertTrue(e.getMessage().contains("does not verify"), what + ": " + e.getMessage());
        TufSignature good = MetadataSigner.signCheckedLater(right, large, whileSigning).checked();
        assertTrue(good.method().verify(expected.publicKey().publicKey(), large, good.sig()), what);
      }
    }
  }

  @Test
  void aSignerThatFailsOnLargeDataFailsTheCall() {
    byte[] large = new byte[2 << 20];
    TufKeyPair k = TufKeyPair.generate(KeyType.ED25519, 256);
    Signer failing =
        new Swapped(
            k.publicKey(),
            new Signer() {
              @Override
              public TufKey publicKey() {
                return k.publicKey();
              }

              @Override
              public String location() {
                return "pkcs11:token=gone;object=k";
              }

              @Override
              public byte[] sign(byte[] data) {
                throw new SigningException("the token went away", null);
              }
            });
    for (boolean whileSigning : new boolean[] {true, false}) {
      SigningException e =
          assertThrows(
              SigningException.class,
              () -> MetadataSigner.signCheckedLater(failing, large, whileSigning));
      assertEquals("the token went away", e.getMessage());
    }
  }

  @Test
  void severalFileKeysSignSideBySideYetAreCheckedLoggedAndFailedInTheirOrder() {
    TufKeyPair a = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair b = TufKeyPair.generate(KeyType.RSA, 2048);
    TufKeyPair c = TufKeyPair.generate(KeyType.ED25519, 256);
    SignedMetadata md =
        SignedMetadata.unsigned(MetadataJson.object().put("_type", "Targets").put("version", 3));
    java.util.List<SignatureRecord> log = new java.util.ArrayList<>();
    java.util.List<Signer> signers =
        java.util.List.of(
            new FileSigner(a, "a.sec"), new FileSigner(b, "b.sec"), new FileSigner(c, "c.sec"));
    SignedMetadata out = SignatureLog.recording(log::add, () -> MetadataSigner.sign(md, signers));
    java.util.List<String> ids =
        java.util.List.of(a.publicKey().keyId(), b.publicKey().keyId(), c.publicKey().keyId());
    assertEquals(ids, out.signatures().stream().map(TufSignature::keyId).toList());
    assertEquals(ids, log.stream().map(SignatureRecord::keyId).toList());
    assertEquals(
        java.util.List.of("a.sec", "b.sec", "c.sec"),
        log.stream().map(SignatureRecord::location).toList());
    TufKeyPair[] pairs = {a, b, c};
    for (int i = 0; i < 3; i++) {
      TufSignature sig = out.signatures().get(i);
      assertTrue(
          sig.method().verify(pairs[i].publicKey().publicKey(), md.canonicalSigned(), sig.sig()));
      assertTrue(log.get(i).verified());
    }

    // a key that cannot sign, second of three: its own error, after the first key only
    Signer bad = new FileSigner(new TufKeyPair(b.publicKey(), c.privateKey()), "bad.sec");
    SigningException alone = assertThrows(SigningException.class, () -> bad.sign(DATA));
    log.clear();
    SigningException e =
        assertThrows(
            SigningException.class,
            () ->
                SignatureLog.recording(
                    log::add,
                    () ->
                        MetadataSigner.sign(
                            md,
                            java.util.List.of(
                                new FileSigner(a, "a.sec"), bad, new FileSigner(c, "c.sec")))));
    assertEquals(alone.getMessage(), e.getMessage());
    assertEquals(
        java.util.List.of(a.publicKey().keyId()),
        log.stream().map(SignatureRecord::keyId).toList());
  }

  @Test
  void aKeyThatIsNotAFileKeySignsOnTheCallersThreadInItsTurn() {
    TufKeyPair a = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair t = TufKeyPair.generate(KeyType.ED25519, 256);
    java.util.List<String> threads = new java.util.ArrayList<>();
    FileSigner inner = new FileSigner(t, "t.sec");
    Signer token =
        new Signer() {
          @Override
          public TufKey publicKey() {
            return t.publicKey();
          }

          @Override
          public String location() {
            return "pkcs11:token=t;object=k";
          }

          @Override
          public byte[] sign(byte[] data) {
            threads.add(Thread.currentThread().getName());
            return inner.sign(data);
          }
        };
    SignedMetadata md = SignedMetadata.unsigned(MetadataJson.object().put("_type", "Targets"));
    SignedMetadata out =
        MetadataSigner.sign(md, java.util.List.of(new FileSigner(a, "a.sec"), token, token));
    assertEquals(
        java.util.List.of(a.publicKey().keyId(), t.publicKey().keyId()),
        out.signatures().stream().map(TufSignature::keyId).toList());
    assertEquals(
        java.util.List.of(Thread.currentThread().getName(), Thread.currentThread().getName()),
        threads);
  }
}
