package io.garagehsm.secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Remembers non-interactive login failures across runs, so that a CI job re-running with the same
 * wrong PIN cannot walk a token into lockout: after a failure, a run on the same token with the
 * same, unchanged PIN source is refused until the source changes or the user retries explicitly.
 *
 * <p>A PIN source is identified only by where it is (file path and modification time, or the
 * environment variable's name), never by anything derived from the PIN. Each line of the file is
 * {@code <token identity> TAB <source identity>}.
 */
public final class PinFailureLedger {

  private final Path file;

  public PinFailureLedger(Path file) {
    this.file = file;
  }

  /** The ledger file. */
  public Path file() {
    return file;
  }

  /** The recorded failing source for this token, if any. */
  public synchronized Optional<String> failedSource(String token) {
    for (String[] entry : read()) {
      if (entry[0].equals(token)) {
        return Optional.of(entry[1]);
      }
    }
    return Optional.empty();
  }

  /** Records that a login to {@code token} with {@code source} failed with a wrong PIN. */
  public synchronized void recordFailure(String token, String source) {
    List<String[]> entries = withoutToken(token);
    entries.add(new String[] {token, source});
    write(entries);
  }

  /** Forgets the token's failure (after a successful login). */
  public synchronized void clear(String token) {
    List<String[]> all = read();
    List<String[]> kept = withoutToken(token);
    if (kept.size() != all.size()) {
      write(kept);
    }
  }

  private List<String[]> withoutToken(String token) {
    List<String[]> kept = new ArrayList<>();
    for (String[] entry : read()) {
      if (!entry[0].equals(token)) {
        kept.add(entry);
      }
    }
    return kept;
  }

  private List<String[]> read() {
    List<String[]> entries = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      return entries;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        if (tab > 0) {
          entries.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
        }
      }
    } catch (IOException e) {
      // An unreadable ledger must not block signing; the token's own counters still protect it.
    }
    return entries;
  }

  private void write(List<String[]> entries) {
    StringBuilder b = new StringBuilder();
    for (String[] e : entries) {
      b.append(clean(e[0])).append('\t').append(clean(e[1])).append('\n');
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new SecretUnavailableException(
          "cannot record the failed login in " + file + " (" + e.getMessage() + ")", e);
    }
  }

  private static String clean(String s) {
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }
}
