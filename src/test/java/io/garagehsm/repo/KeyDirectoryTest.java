package io.garagehsm.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void aPrivateKeyIsParsedAgainOnlyWhenItsFileChanged() throws IOException {
    KeyDirectory keys = Repository.at(home, "r").keys();
    TufKeyPair a = TufKeyPair.generate(KeyType.RSA, 2048);
    keys.writeKeyPair("k", a);
    TufKeyPair first = keys.keyPair("k");
    assertEquals(a.privateKey(), first.privateKey());
    // the same bytes (a root sign's key signed ahead of its turn, then opened in its turn)
    assertSame(first, keys.keyPair("k"));
    // rewritten with the same key but other bytes: parsed again
    Files.write(
        keys.privateFile("k"),
        (new String(
                    Files.readAllBytes(keys.privateFile("k")),
                    java.nio.charset.StandardCharsets.UTF_8)
                + "\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    TufKeyPair again = keys.keyPair("k");
    assertNotSame(first, again);
    assertEquals(first.privateKey(), again.privateKey());
    // another key's .sec under the same .pub: refused, as on a first read, every time
    Files.write(
        keys.privateFile("k"),
        MetadataJson.pretty(TufKeyPair.generate(KeyType.RSA, 2048).privateJson()));
    for (int i = 0; i < 2; i++) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> keys.keyPair("k"));
      assertTrue(e.getMessage().contains("does not belong to public key"), e.getMessage());
    }
    // and a file that is no longer JSON names the file
    Files.writeString(keys.privateFile("k"), "{");
    RuntimeException e = assertThrows(RuntimeException.class, () -> keys.keyPair("k"));
    assertTrue(e.getMessage().contains(keys.privateFile("k").toString()), e.getMessage());
  }

  @Test
  void plainNamesAreWhatTheRegularExpressionAccepted() {
    java.util.regex.Pattern name =
        java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    for (String n :
        new String[] {
          "a",
          "root-old",
          "Z9",
          "a.b_c-d",
          "0",
          "",
          ".a",
          "-a",
          "_a",
          "a/b",
          "a b",
          "a..b",
          "\u00e9",
          "a\u00e9",
          "a\n",
          "x".repeat(128),
          "x".repeat(129),
          "\u0660",
          "a:b",
          "A~"
        }) {
      assertEquals(name.matcher(n).matches(), KeyDirectory.isPlainName(n), n);
    }
  }

  @Test
  void keyNamesComeFromTheFilesTheGlobStarPubNamed() throws IOException {
    KeyDirectory keys = Repository.at(home, "r").keys();
    TufKeyPair a = TufKeyPair.generate(KeyType.ED25519, 256);
    keys.writeKeyPair("a", a);
    Path dir = keys.dir();
    for (String n : new String[] {"b.pub.bak", "c.PUB", "dpub", ".pub", "e.pub\n"}) {
      Files.write(dir.resolve(n), MetadataJson.pretty(a.publicKey().toJson()));
    }
    java.util.List<String> glob = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.pub")) {
      for (Path p : ds) {
        glob.add(p.getFileName().toString());
      }
    }
    assertEquals(java.util.Set.of("a.pub", ".pub"), java.util.Set.copyOf(glob));
    // ".pub" names the key "" (an invalid name): it names no key, and "a" keeps its ID
    assertEquals(Map.of(a.publicKey().keyId(), "a"), keys.namesByKeyId());
  }
}
