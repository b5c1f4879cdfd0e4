package io.garagehsm.repo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on one repository, so two concurrent runs cannot interleave their writes. An OS
 * file lock on {@code <repo>/.garage-hsm.lock}: released by the OS if the process dies.
 */
public final class RepoLock implements AutoCloseable {
  static final String FILE = ".garage-hsm.lock";
  private final FileChannel channel;
  private final FileLock lock;

  private RepoLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or fails at once, naming the repository. */
  static RepoLock acquire(Path repoDir, String repoName) {
    Path file = repoDir.resolve(FILE);
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new RepoException(
            "repository '" + repoName + "' is locked by another garage-hsm run",
            "wait for it to finish and retry (the lock is " + file + ")");
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap((pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
      return new RepoLock(ch, l);
    } catch (IOException e) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException ignored) {
        // already failing
      }
      throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * This process's ID, for people who look at the lock file: from /proc/self on Linux, which costs
   * a system call where {@link ProcessHandle} first sets up the JDK's process machinery (a few
   * milliseconds of every writing command).
   */
  static long pid() {
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/self"));
      if (self.getNameCount() == 1) {
        return Long.parseLong(self.toString());
      }
    } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
      // not Linux, or no /proc: ask the JDK
    }
    return ProcessHandle.current().pid();
  }

  /**
   * Takes the lock of a key folder outside a repository ({@code user-keys}), waiting up to {@code
   * patience} for another run to finish: runs on different key names only queue briefly, and a run
   * on the same name then sees the key and refuses instead of overwriting it.
   */
  static RepoLock acquireWaiting(Path dir, String what, java.time.Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try {
        return acquire(dir, what);
      } catch (RepoException e) {
        if (System.nanoTime() > deadline) {
          throw new RepoException(
              "key folder " + dir + " is locked by another garage-hsm run",
              "wait for it to finish and retry (the lock is " + dir.resolve(FILE) + ")");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the OS releases the lock with the channel in any case
    }
  }
}
