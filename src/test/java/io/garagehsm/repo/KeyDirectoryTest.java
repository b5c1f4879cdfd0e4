package io.garagehsm.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command reads each public key once (issue 9): the repository hands out one key folder, which
 * keeps the keys it read until it writes them.
 */
class KeyDirectoryTest {
  @TempDir Path home;

  @Test
  void aRepositoryReadsEachPublicKeyOnceAndItsOwnWritesAreSeen() throws IOException {
    Repository repo = Repository.at(home, "r");
    KeyDirectory keys = repo.keys();
    assertSame(keys, repo.keys(), "one key folder per repository object");
    TufKeyPair a = TufKeyPair.generate(KeyType.ED25519, 256);
    TufKeyPair b = TufKeyPair.generate(KeyType.ED25519, 256);
    keys.writeKeyPair("k", a);
    TufKey first = keys.publicKey("k");
    assertEquals(a.publicKey(), first);
    // changed behind its back (no command does this while it runs): the key first read stays
    Files.write(keys.publicFile("k"), MetadataJson.pretty(b.publicKey().toJson()));
    assertSame(first, keys.publicKey("k"));
    assertEquals(Map.of(a.publicKey().keyId(), "k"), keys.namesByKeyId());
    // a new command (a new repository object) reads the file again
    assertEquals(b.publicKey(), Repository.at(home, "r").keys().publicKey("k"));
    // a write through the folder is read back
    keys.writePublic("k", b.publicKey());
    assertEquals(b.publicKey(), keys.publicKey("k"));
    assertNotEquals(first, keys.publicKey("k"));
  }

  @Test
  void aMissingOrUnreadableKeyIsRefusedEachTime() throws IOException {
    KeyDirectory keys = Repository.at(home, "r").keys();
    for (int i = 0; i < 2; i++) {
      assertThrows(RepoException.class, () -> keys.publicKey("nope"));
    }
    Files.createDirectories(keys.dir());
    Files.writeString(keys.publicFile("bad"), "{}");
    for (int i = 0; i < 2; i++) {
      assertThrows(RuntimeException.class, () -> keys.publicKey("bad"));
    }
    assertThrows(RepoException.class, () -> keys.publicKey("../x"));
  }
}
