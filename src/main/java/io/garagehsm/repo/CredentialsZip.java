package io.garagehsm.repo;

import io.garagehsm.metadata.InputFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A credentials.zip (compat spec §4) read into memory. Entries are looked up by their exact names
 * and never extracted by path; a zip whose entry names could escape a folder ({@code ../}, absolute
 * paths, backslashes, drive letters) or that repeats a name is refused as a whole.
 */
public final class CredentialsZip {
  /** Guards against zip bombs: credentials are a few kilobytes. */
  static final long MAX_TOTAL = 64L << 20;

  private final byte[] raw;
  private final LinkedHashMap<String, byte[]> entries;

  private CredentialsZip(byte[] raw, LinkedHashMap<String, byte[]> entries) {
    this.raw = raw;
    this.entries = entries;
  }

  /** Reads and checks a zip file; errors name it. */
  public static CredentialsZip read(Path file) {
    if (!Files.exists(file)) {
      throw new RepoException(file + " does not exist", "pass the credentials.zip with -c");
    }
    return parse(InputFile.read(file, MAX_TOTAL, "a credentials zip"), file.toString());
  }

  /** Parses zip bytes; {@code what} names them in errors. */
  public static CredentialsZip parse(byte[] raw, String what) {
    LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
    long total = 0;
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(raw))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        String name = e.getName();
        checkName(name, what);
        if (e.isDirectory()) {
          continue;
        }
        byte[] data = readLimited(in, MAX_TOTAL - total, what);
        total += data.length;
        if (entries.put(name, data) != null) {
          throw new RepoException(
              what + " holds the entry \"" + name + "\" twice; refusing an ambiguous zip",
              "rebuild the zip with unique entry names");
        }
      }
    } catch (ZipException e) {
      throw new RepoException(what + " is not a valid zip file: " + e.getMessage(), null, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (entries.isEmpty() && !(raw.length >= 4 && raw[0] == 'P' && raw[1] == 'K')) {
      throw new RepoException(what + " is not a zip file", null);
    }
    return new CredentialsZip(raw, entries);
  }

  private static void checkName(String name, String what) {
    boolean bad =
        name.isEmpty()
            || name.startsWith("/")
            || name.contains("\\")
            || name.indexOf('\0') >= 0
            || name.matches("^[A-Za-z]:.*");
    for (String seg : name.split("/", -1)) {
      if (seg.equals("..")) {
        bad = true;
      }
    }
    if (bad) {
      throw new RepoException(
          what
              + " holds an unsafe entry name \""
              + name.replace("\0", "\\0")
              + "\" (absolute or with '..'); refusing the whole zip",
          "use the credentials.zip as downloaded from OTA Connect");
    }
  }

  private static byte[] readLimited(InputStream in, long limit, String what) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > limit) {
        throw new RepoException(what + " unpacks to more than 64 MiB; not a credentials zip", null);
      }
    }
    return out.toByteArray();
  }

  /** The zip file's bytes as read. */
  public byte[] raw() {
    return raw.clone();
  }

  /** Entry names in zip order. */
  public java.util.Set<String> names() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  public boolean has(String name) {
    return entries.containsKey(name);
  }

  public Optional<byte[]> entry(String name) {
    byte[] b = entries.get(name);
    return Optional.ofNullable(b == null ? null : b.clone());
  }

  /** An entry as trimmed UTF-8 text. */
  public Optional<String> text(String name) {
    return entry(name).map(b -> new String(b, StandardCharsets.UTF_8).trim());
  }

  /** Builds a zip from entries in the order given. */
  public static byte[] build(Map<String, byte[]> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
