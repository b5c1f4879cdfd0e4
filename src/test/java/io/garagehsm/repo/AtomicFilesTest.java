package io.garagehsm.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aFailedWriteLeavesTheTargetAsItWasAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("targets.json");
    Files.writeString(target, "old");
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class,
            () ->
                AtomicFiles.write(
                    target,
                    AtomicFiles.PUBLIC,
                    out -> {
                      out.write("half".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                      throw new IOException("disk full");
                    }));
    assertTrue(e.getMessage().contains("cannot write " + target), e.getMessage());
    assertEquals("old", Files.readString(target));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count(), "only the target remains");
    }
  }

  @Test
  void temporariesAKilledRunLeftForTheSameFileAreRemovedOthersStay() throws IOException {
    Path staleSec = dir.resolve(".origroot.sec.123456.tmp");
    Path otherKey = dir.resolve(".other.sec.42.tmp");
    Files.writeString(staleSec, "{\"keyval\":{\"private\":\"...\"}}");
    Files.writeString(otherKey, "x");
    AtomicFiles.write(dir.resolve("origroot.sec"), "new".getBytes(), AtomicFiles.PRIVATE);
    assertFalse(Files.exists(staleSec), "a killed run's copy of the private key is removed");
    assertTrue(Files.exists(otherKey), "another file's temporaries are not touched");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("origroot.sec"))));
  }
}
