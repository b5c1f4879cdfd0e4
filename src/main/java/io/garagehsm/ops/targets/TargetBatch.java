package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Many targets for one {@code targets add} or {@code targets add-uploaded} run, from a manifest
 * ({@link TargetManifest}): every entry is built and checked exactly as its flags would be (and,
 * for add-uploaded, its file hashed) before the caller writes anything; the first bad entry ends
 * the run with one error that names it (exit 1).
 */
public final class TargetBatch {
  private static final String NOTHING_WRITTEN = "nothing was written; fix that entry and run again";

  private TargetBatch() {}

  /** The length and SHA-256 (hex) of a local file. */
  public record FileDigest(long length, String sha256) {}

  /**
   * Target items by file name ({@code <name>-<version>}), in manifest order.
   *
   * @param source how errors name the manifest
   */
  public static Map<String, ObjectNode> items(
      InputStream manifest, String source, TargetManifest.Kind kind, Instant now) {
    java.util.List<TargetManifest.Entry> entries;
    try {
      entries = TargetManifest.read(manifest, source, kind);
    } catch (MetadataException e) {
      throw new OperationException(Kind.EXPLAINED, e.getMessage(), e.hint(), e);
    }
    Map<String, ObjectNode> items = new LinkedHashMap<>();
    for (TargetManifest.Entry e : entries) {
      TargetEntry target;
      if (kind == TargetManifest.Kind.ADD) {
        target =
            new TargetEntry(
                e.name(),
                e.version(),
                e.length(),
                e.sha256(),
                e.hardwareIds(),
                e.format(),
                e.url(),
                e.customMeta(),
                false);
      } else {
        try {
          target =
              TargetEntry.uploaded(
                  Path.of(e.input()), e.name(), e.version(), e.hardwareIds(), e.customMeta());
        } catch (OperationException x) {
          throw new OperationException(
              Kind.EXPLAINED, e.where() + ": " + x.getMessage(), NOTHING_WRITTEN, x);
        }
      }
      put(items, e, target, now);
    }
    return items;
  }

  private static void put(
      Map<String, ObjectNode> items, TargetManifest.Entry e, TargetEntry target, Instant now) {
    ObjectNode item;
    try {
      item = target.item(now);
    } catch (OperationException | MetadataException x) {
      String hint = x instanceof OperationException o ? o.hint() : ((MetadataException) x).hint();
      throw new OperationException(
          Kind.EXPLAINED,
          e.where() + ": " + x.getMessage().replaceFirst("^--", ""),
          hint == null ? NOTHING_WRITTEN : hint,
          x);
    }
    if (items.put(target.filename(), item) != null) {
      throw new OperationException(
          Kind.EXPLAINED,
          e.where() + ": target " + target.filename() + " appears twice in the manifest",
          "nothing was written; keep one entry per name and version");
    }
  }

  /** Length and SHA-256 of a local file (an uploaded target). */
  public static FileDigest digest(Path input) {
    try (InputStream in = Files.newInputStream(input)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      DigestInputStream din = new DigestInputStream(in, md);
      long length = din.transferTo(OutputStream.nullOutputStream());
      return new FileDigest(length, HexFormat.of().formatHex(md.digest()));
    } catch (NoSuchFileException e) {
      throw new OperationException(Kind.FAILED, input + " does not exist", null);
    } catch (IOException e) {
      throw new OperationException(
          Kind.FAILED, "cannot read " + input + ": " + e.getMessage(), null, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
