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

  @Test
  void theTemporariesRemovedAreExactlyThoseTheGlobOfTheTargetNameMatches() throws IOException {
    // the names a write removes: ".<name>.*.tmp" as a glob (which it no longer compiles)
    String name = "a[1]{x}.json";
    String[] names = {
      "." + name + ".123.tmp",
      "." + name + "..tmp",
      "." + name + ".a.b.tmp",
      "." + name + ".tmp",
      "." + name + ".1.tmp.bak",
      name + ".1.tmp",
      ".a[1]{x}.jsonX.1.tmp",
      ".a1x.json.1.tmp",
      "." + name + ".pull-body-9.tmp"
    };
    java.nio.file.PathMatcher glob =
        dir.getFileSystem()
            .getPathMatcher(
                "glob:." + name.replaceAll("([\\*?\\[\\]{}\\\\])", "\\\\$1") + ".*.tmp");
    for (String n : names) {
      Files.writeString(dir.resolve(n), "x");
    }
    AtomicFiles.write(dir.resolve(name), "new".getBytes(), AtomicFiles.PUBLIC);
    for (String n : names) {
      assertEquals(
          !glob.matches(Path.of(n)), Files.exists(dir.resolve(n)), n + " removed iff it matches");
    }
    assertEquals(
        4, Stream.of(names).filter(n -> glob.matches(Path.of(n))).count(), "the glob matches 4");
  }

  @Test
  void theLockFileNamesThisProcess() throws IOException {
    assertEquals(ProcessHandle.current().pid(), RepoLock.pid());
    try (RepoLock l = RepoLock.acquire(dir, "r")) {
      assertEquals(
          ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(RepoLock.FILE)));
    }
  }
}
