package io.garagehsm.repo;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Whole-file writes that never leave a half-written file: write a temporary file in the same folder
 * with its final permissions set before any content, fsync, rename over the target, fsync the
 * folder.
 */
public final class AtomicFiles {
  /** 0600: private key files, credentials, PIN files. */
  public static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");

  /** 0644: public files. */
  public static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");

  /** 0700: repository folders. */
  public static final Set<PosixFilePermission> PRIVATE_DIR =
      PosixFilePermissions.fromString("rwx------");

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code content} atomically. */
  public static void write(Path target, byte[] content, Set<PosixFilePermission> perms) {
    write(target, perms, out -> out.write(content));
  }

  /** Writes the content of a file through a stream (large metadata is never held twice). */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Replaces {@code target} atomically with what {@code content} writes: a temporary file in the
   * same folder with the exact mode {@code perms} (not masked by the umask) before any content,
   * fsync, rename, fsync of the folder. On failure the target is untouched.
   */
  public static void write(Path target, Set<PosixFilePermission> perms, Content content) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      removeStaleTemporaries(dir, target.getFileName().toString());
      tmp =
          Files.createTempFile(
              dir,
              "." + target.getFileName() + ".",
              ".tmp",
              PosixFilePermissions.asFileAttribute(perms));
      // the attribute above is masked by the umask; garage-sign's modes are exact
      Files.setPosixFilePermissions(tmp, perms);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
        content.writeTo(out);
        out.flush();
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      syncDir(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the temporary file holds nothing the target did not
        }
      }
    }
  }

  /**
   * An empty private (0600) scratch file next to {@code target} for work on a large body (a
   * download before it is verified, a gzipped upload), named like {@link #write}'s temporary files
   * so that it and the next write of {@code target} remove one a SIGKILLed run left (writers hold
   * the repository lock). The caller deletes it ({@link #deleteQuietly}); SIGTERM and Ctrl-C delete
   * it on the way out.
   */
  public static Path scratch(Path target, String purpose) {
    Path dir = target.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      removeStaleTemporaries(dir, target.getFileName().toString());
      Path p =
          Files.createTempFile(
              dir,
              "." + target.getFileName() + "." + purpose + "-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PRIVATE));
      Files.setPosixFilePermissions(p, PRIVATE);
      p.toFile().deleteOnExit();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a scratch file if it exists; failures are ignored (it holds nothing secret). */
  public static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** Like {@link #write} but fails if {@code target} exists (never overwrite a key). */
  public static void create(Path target, byte[] content, Set<PosixFilePermission> perms) {
    if (Files.exists(target)) {
      throw new UncheckedIOException(new FileAlreadyExistsException(target.toString()));
    }
    write(target, content, perms);
  }

  /**
   * Removes a file that held secret material: overwrites its content with zeros in place, fsyncs,
   * unlinks it and fsyncs the folder, so the bytes are not left in the file's blocks for a plain
   * read of the disk (copy-on-write file systems and SSD wear levelling may still keep old blocks).
   * Returns false when the file did not exist.
   */
  public static boolean overwriteAndDelete(Path file) {
    if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        long size = ch.size();
        java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(8192);
        for (long pos = 0; pos < size; ) {
          zeros.clear();
          zeros.limit((int) Math.min(zeros.capacity(), size - pos));
          pos += ch.write(zeros, pos);
        }
        ch.force(true);
      }
      Files.delete(file);
      syncDir(file.toAbsolutePath().getParent());
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
    }
  }

  /** Creates a folder (and parents) with mode 0700 for the folders it creates. */
  public static void createPrivateDir(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PRIVATE_DIR);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The permissions of an existing folder when they give group or others any access (wider than
   * 0700), e.g. {@code rwxr-xr-x}; empty when the folder is missing, private, or not on POSIX.
   */
  public static java.util.Optional<String> widerThanPrivate(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        return java.util.Optional.empty();
      }
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
      for (PosixFilePermission x : p) {
        if (!PRIVATE_DIR.contains(x)) {
          return java.util.Optional.of(PosixFilePermissions.toString(p));
        }
      }
      return java.util.Optional.empty();
    } catch (UnsupportedOperationException | IOException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Removes temporary files a killed run left for this target (they may hold a private key).
   * Writers of one repository hold its lock, so a temporary file seen here is not in use.
   */
  static void removeStaleTemporaries(Path dir, String fileName) throws IOException {
    // the names the glob ".<fileName>.*.tmp" matches, without compiling a glob to a regex
    String prefix = "." + fileName + ".";
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (isTemporary(p.getFileName().toString(), prefix)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static boolean isTemporary(String name, String prefix) {
    return name.length() >= prefix.length() + ".tmp".length()
        && name.startsWith(prefix)
        && name.endsWith(".tmp");
  }

  static void syncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // some file systems cannot fsync a folder; the rename is still atomic
    }
  }
}
