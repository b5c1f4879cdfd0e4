package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.AsciiContent;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a target entry is built from ({@code targets add}, {@code targets add-uploaded}, {@code
 * delegations add-target}); the names in messages are the command-line options'.
 *
 * @param name target name
 * @param version target version; the entry is named {@code <name>-<version>}
 * @param length length in bytes
 * @param sha256 SHA-256, 64 hexadecimal characters
 * @param hardwareIds the hardware IDs it is for (at least one)
 * @param format {@code ostree} or {@code binary} (any case); null means binary
 * @param url where devices download it, or null
 * @param customMeta a JSON object deep-merged into {@code custom}, or null
 * @param cliUploaded whether the file was uploaded with {@code targets upload}
 */
public record TargetEntry(
    String name,
    String version,
    long length,
    String sha256,
    List<String> hardwareIds,
    String format,
    String url,
    String customMeta,
    boolean cliUploaded) {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  /** {@code --customMeta} may not set these (compat spec §2.4). */
  static final Set<String> FORBIDDEN_CUSTOM =
      Set.of("name", "version", "hardwareIds", "targetFormat", "uri", "cliUploaded");

  /**
   * A file uploaded with {@code targets upload}: length and SHA-256 computed from the local file,
   * format binary, no uri, cliUploaded.
   */
  public static TargetEntry uploaded(
      Path input, String name, String version, List<String> hardwareIds, String customMeta) {
    TargetBatch.FileDigest d = TargetBatch.digest(input);
    return new TargetEntry(
        name, version, d.length(), d.sha256(), hardwareIds, "binary", null, customMeta, true);
  }

  /** The key of the entry in {@code targets}: {@code <name>-<version>}. */
  public String filename() {
    return name + "-" + version;
  }

  /**
   * Validates everything and builds the target item: custom per compat spec §6.3, {@code
   * --customMeta} deep-merged over it.
   */
  public ObjectNode item(Instant now) {
    ascii("--name", name);
    ascii("--version", version);
    for (String h : hardwareIds) {
      ascii("--hardwareids", h);
      if (h.length() > 200) {
        throw new OperationException(
            Kind.BAD_ARGUMENT, "--hardwareids: \"" + h + "\" is longer than 200 characters", null);
      }
    }
    if (hardwareIds.isEmpty()) {
      throw new OperationException(Kind.BAD_ARGUMENT, "--hardwareids needs at least one ID", null);
    }
    TargetsRole.checkFilename(filename(), "--name/--version");
    if (length < 0) {
      throw new OperationException(Kind.BAD_ARGUMENT, "--length must not be negative", null);
    }
    if (!SHA256.matcher(sha256).matches()) {
      throw new OperationException(
          Kind.BAD_ARGUMENT,
          "--sha256: \"" + sha256 + "\" is not 64 hexadecimal characters",
          "pass the SHA-256 of the file, e.g. from sha256sum");
    }
    String fmt = format == null ? "BINARY" : format.toUpperCase(Locale.ROOT);
    if (!fmt.equals("BINARY") && !fmt.equals("OSTREE")) {
      throw new OperationException(
          Kind.BAD_ARGUMENT, "--format: \"" + format + "\" is not ostree or binary", null);
    }
    if (url != null) {
      ascii("--url", url);
      try {
        new URI(url);
      } catch (URISyntaxException e) {
        throw new OperationException(
            Kind.BAD_ARGUMENT, "--url: \"" + url + "\" is not a URI", null);
      }
    }
    ObjectNode meta = null;
    if (customMeta != null) {
      JsonNode n;
      try {
        n = MetadataJson.parse(customMeta, "--customMeta");
      } catch (MetadataException e) {
        // an unparsable option value is a usage error, like a non-object one
        throw new OperationException(
            Kind.BAD_ARGUMENT,
            e.getMessage(),
            "pass a JSON object, e.g. --customMeta '{\"channel\":\"beta\"}'");
      }
      if (!n.isObject()) {
        throw new OperationException(Kind.BAD_ARGUMENT, "--customMeta must be a JSON object", null);
      }
      meta = (ObjectNode) n;
      for (String k : FORBIDDEN_CUSTOM) {
        if (meta.has(k)) {
          throw new OperationException(
              Kind.BAD_ARGUMENT,
              "--customMeta must not set \"" + k + "\"",
              "name, version, hardwareIds, targetFormat, uri and cliUploaded come from the"
                  + " other options");
        }
      }
      requireAscii(meta, "--customMeta");
    }
    ObjectNode custom = MetadataJson.object();
    custom.put("cliUploaded", cliUploaded);
    custom.put("name", name);
    custom.put("version", version);
    ArrayNode hw = custom.putArray("hardwareIds");
    hardwareIds.forEach(hw::add);
    custom.put("targetFormat", fmt);
    if (url == null) {
      custom.putNull("uri");
    } else {
      custom.put("uri", url);
    }
    custom.put("createdAt", Expiry.format(now));
    custom.put("updatedAt", Expiry.format(now));
    ObjectNode item = MetadataJson.object();
    item.putObject("hashes").put("sha256", sha256.toLowerCase(Locale.ROOT));
    item.put("length", length);
    item.set("custom", meta == null ? custom : deepMerge(custom, meta));
    return item;
  }

  /** Adds (or replaces) this entry in {@code targets}, built at {@code now}. */
  public TargetsRole addTo(TargetsRole targets, Instant now) {
    return targets.withTarget(filename(), item(now));
  }

  private static void ascii(String option, String value) {
    requireAscii(MetadataJson.nodes().textNode(value), option);
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < 0x20 || value.charAt(i) == 0x7f) {
        throw new OperationException(
            Kind.FAILED,
            option
                + " contains a control character (U+"
                + String.format(Locale.ROOT, "%04X", (int) value.charAt(i))
                + " at position "
                + i
                + "); target fields are shown to people and devices",
            "use printable characters only");
      }
    }
  }

  private static void requireAscii(JsonNode node, String option) {
    try {
      AsciiContent.require(node, option);
    } catch (MetadataException e) {
      throw new OperationException(Kind.FAILED, e.getMessage(), e.hint());
    }
  }

  /** Deep merge; {@code over} wins on conflicts; its fields come first (as garage-sign's files). */
  static ObjectNode deepMerge(ObjectNode base, ObjectNode over) {
    ObjectNode out = MetadataJson.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode b = base.get(e.getKey());
      if (b instanceof ObjectNode bo && e.getValue() instanceof ObjectNode oo) {
        out.set(e.getKey(), deepMerge(bo, oo));
      } else {
        out.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = base.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!out.has(e.getKey())) {
        out.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    return out;
  }
}
