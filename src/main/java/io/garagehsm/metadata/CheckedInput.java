package io.garagehsm.metadata;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Counts and checksums what a parser reads, so that a second read of a role file can be refused
 * when the file changed in between (the streamed paths of {@link StreamedTargets} and {@link
 * StreamedEnvelope}).
 */
final class CheckedInput extends FilterInputStream {
  final CRC32C crc = new CRC32C();
  long count;

  CheckedInput(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      crc.update(b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      crc.update(b, off, n);
      count += n;
    }
    return n;
  }

  /** Reads to the end, so that the count and checksum cover the whole file. */
  void drain() throws IOException {
    byte[] b = new byte[8192];
    while (read(b, 0, b.length) >= 0) {
      // counted by read
    }
  }
}
