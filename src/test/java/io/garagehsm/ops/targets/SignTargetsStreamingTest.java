package io.garagehsm.ops.targets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.bench.TargetsFixture;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.ops.ExpiryChoice;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.Progress;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.SigningException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code targets sign} on a role large enough (over 1 MiB canonical) that the signature is checked
 * while the file is written: the file equals what the tree path writes, and a signature that does
 * not verify leaves roles/targets.json as it was.
 */
class SignTargetsStreamingTest {
  static final Clock NOW = Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC);

  @TempDir Path home;

  /** A signer that claims one key but signs with another (a swapped token key). */
  record Swapped(TufKey claimed, Signer actual) implements Signer {
    @Override
    public TufKey publicKey() {
      return claimed;
    }

    @Override
    public String location() {
      return "pkcs11:token=swapped;object=targets";
    }

    @Override
    public byte[] sign(byte[] data) {
      return actual.sign(data);
    }
  }

  private SignTargets.Request request(Repository r) {
    return new SignTargets.Request(r, "targets", null, ExpiryChoice.keep(), null);
  }

  @Test
  void theSignedFileEqualsTheTreePathsAndABadSignatureWritesNothing() throws IOException {
    Repository r = TargetsFixture.writeRepository(home, "big", "targets", "ed25519", 4000);
    Path unsigned = r.unsignedFile("targets");
    byte[] unsignedBytes = Files.readAllBytes(unsigned);

    // the tree path, as targets sign did it before streaming
    TargetsRole role = TargetsRole.of(MetadataJson.read(unsigned), unsigned.toString());
    Signer key = r.keys().signer("targets", null);
    SignedMetadata tree =
        MetadataSigner.sign(
            SignedMetadata.unsigned(role.withVersion(role.version() + 1).json()), List.of(key));
    byte[] expected = MetadataJson.pretty(tree.toJson());
    assertTrue(tree.canonicalSigned().length > 1 << 20, "large enough for the parallel check");

    SignTargets.Result result =
        new SignTargets(
                new OperationContext(
                    repo -> null, (keys, name) -> keys.signer(name, null), NOW, Progress.silent()))
            .run(request(r));
    assertArrayEquals(expected, Files.readAllBytes(r.signedFile("targets")));
    assertEquals(role.version() + 1, result.version());
    assertEquals(role.expires(), result.expires());

    TufKeyPair other = TufKeyPair.generate(io.garagehsm.metadata.KeyType.ED25519, 256);
    Signer swapped = new Swapped(key.publicKey(), new FileSigner(other, "other.sec"));
    Files.writeString(
        unsigned, new String(unsignedBytes, "UTF-8").replace("\"version\" : 1", "\"version\" : 5"));
    SigningException e =
        assertThrows(
            SigningException.class,
            () ->
                new SignTargets(
                        new OperationContext(
                            repo -> null, (keys, name) -> swapped, NOW, Progress.silent()))
                    .run(request(r)));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    assertArrayEquals(expected, Files.readAllBytes(r.signedFile("targets")), "left as it was");
    try (var files = Files.list(r.signedFile("targets").getParent())) {
      assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
    }
  }
}
