package io.garagehsm.metadata;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A local input file read whole into memory, within a size limit, so a huge, sparse or endless file
 * ({@code /dev/zero}, a FIFO) gives one error naming it instead of an OutOfMemoryError.
 */
public final class InputFile {
  /**
   * Role files and other metadata JSON: 1 GiB. A 1,000,000-target targets.json in garage-sign's
   * pretty form is about 560 MB (BoundedInputTest checks the margin).
   */
  public static final long ROLE_FILE_MAX = 1L << 30;

  /** Key files, token references, config.json, checksums, certificates: 1 MiB. */
  public static final long SMALL_FILE_MAX = 1L << 20;

  private InputFile() {}

  /**
   * Reads {@code file}, refusing more than {@code max} bytes.
   *
   * @param kind what the file is, for the error ("a role file", "a key file")
   * @throws MetadataException naming the file when it is missing, unreadable or too large
   */
  public static byte[] read(Path file, long max, String kind) {
    try {
      if (Files.isRegularFile(file) && Files.size(file) > max) {
        throw tooLarge(file, max, kind);
      }
      try (InputStream in = Files.newInputStream(file)) {
        // readNBytes grows its buffer as data arrives: an endless stream stops at max + 1
        byte[] b = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
        if (b.length > max) {
          throw tooLarge(file, max, kind);
        }
        return b;
      }
    } catch (NoSuchFileException e) {
      throw new MetadataException(file + " does not exist", null, e);
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /**
   * Opens a regular file for streaming with the limits and errors of {@link #read}: its size is
   * checked first, and reading more than {@code max} bytes (a file that grows) fails the same way.
   * Read errors on the stream are plain IOExceptions; {@link #unreadable} words them.
   */
  public static InputStream open(Path file, long max, String kind) {
    try {
      if (Files.size(file) > max) {
        throw tooLarge(file, max, kind);
      }
      InputStream in = Files.newInputStream(file);
      return new FilterInputStream(in) {
        private long count;

        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            counted(1);
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) {
            counted(n);
          }
          return n;
        }

        private void counted(int n) {
          count += n;
          if (count > max) {
            throw tooLarge(file, max, kind);
          }
        }
      };
    } catch (NoSuchFileException e) {
      throw new MetadataException(file + " does not exist", null, e);
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /** The error for a file that cannot be read. */
  public static MetadataException unreadable(Path file, IOException e) {
    return new MetadataException(
        "cannot read " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage(),
        null,
        e);
  }

  private static MetadataException tooLarge(Path file, long max, String kind) {
    return new MetadataException(
        file + " is larger than " + human(max) + ", the limit for " + kind,
        "check that this is the right file");
  }

  /** 1 MiB, 1 GiB, or bytes. */
  static String human(long bytes) {
    if (bytes % (1L << 30) == 0) {
      return (bytes >> 30) + " GiB";
    }
    if (bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes % (1L << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " bytes";
  }
}
