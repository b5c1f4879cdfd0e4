package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.AsciiContent;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Helpers shared by the offline commands. */
final class Support {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  /** {@code --customMeta} may not set these (compat spec §2.4). */
  static final Set<String> FORBIDDEN_CUSTOM =
      Set.of("name", "version", "hardwareIds", "targetFormat", "uri", "cliUploaded");

  private Support() {}

  /** An initialised repository that must be a reposerver one (targets commands). */
  static Repository reposerverRepo(CliContext ctx, String name) {
    Repository repo = ctx.repo(name);
    if (repo.config().isDirector()) {
      throw new CliException(
          ExitCodes.EXPLAINED,
          "repository '" + name + "' is a Director repository, which does not support this command",
          "targets commands work on image (reposerver) repositories only");
    }
    return repo;
  }

  /** The unsigned targets role, decoded as ota-tuf's codec does. */
  static TargetsRole unsignedTargets(Repository repo) {
    ObjectNode n =
        repo.unsignedRole("targets")
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCodes.OTHER,
                        repo.unsignedFile("targets") + " does not exist",
                        "run 'targets pull -r "
                            + repo.name()
                            + "', or 'targets init -r "
                            + repo.name()
                            + " --version <n> --expires <date>'"));
    return TargetsRole.of(n, repo.unsignedFile("targets").toString());
  }

  /** The unsigned root role. */
  static RootRole unsignedRoot(Repository repo) {
    ObjectNode n =
        repo.unsignedRole("root")
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCodes.OTHER,
                        repo.unsignedFile("root") + " does not exist",
                        "run 'root pull -r " + repo.name() + "' first"));
    return RootRole.of(n, repo.unsignedFile("root").toString());
  }

  /** "Saved keys to dir/{n.sec, n.pub}", garage-sign's wording. */
  static String savedKeys(Path dir, String name) {
    return "Saved keys to " + dir + "/{" + name + ".sec, " + name + ".pub}";
  }

  /** Parses {@code --signatures name=b64,name2=b64} (base64 padding may hold '='). */
  static Map<String, String> parseSignatures(String spec) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : spec.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new CliException(
            ExitCodes.USAGE,
            "--signatures: \"" + part + "\" is not <key-name>=<base64 signature>",
            "write --signatures targets=<base64>[,other=<base64>]");
      }
      String name = part.substring(0, eq).trim();
      KeyDirectory.checkName(name);
      if (m.put(name, part.substring(eq + 1).trim()) != null) {
        throw new CliException(
            ExitCodes.USAGE, "--signatures names key '" + name + "' twice", null);
      }
    }
    return m;
  }

  /**
   * Checks an external signature over {@code data} by the public key {@code keys/<name>.pub}; the
   * method follows from the key type. Fails like garage-sign with "Wrong signature".
   */
  static TufSignature externalSignature(KeyDirectory keys, String name, String b64, byte[] data) {
    TufKey key = keys.publicKey(name);
    String reason = key.unusableForRolesReason();
    if (reason != null) {
      throw new CliException(ExitCodes.OTHER, "key '" + name + "': " + reason, null);
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      sig = null;
    }
    if (sig == null || !key.type().method().verify(key.publicKey(), data, sig)) {
      throw new CliException(
          ExitCodes.OTHER,
          "Wrong signature: keyId: " + key.keyId() + " signature: " + b64,
          "sign exactly the bytes 'get-unsigned' prints (no trailing newline) with key '"
              + name
              + "' ("
              + key.describe()
              + (key.type() == io.garagehsm.metadata.KeyType.RSA
                  ? ": RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32"
                  : ": pure Ed25519")
              + "), base64-encoded");
    }
    return new TufSignature(key.keyId(), key.type().method(), sig);
  }

  /** Opens signers for key names; on failure the ones opened are closed again. */
  static List<Signer> signers(CliContext ctx, KeyDirectory keys, List<String> names) {
    List<Signer> out = new ArrayList<>();
    try {
      for (String n : names) {
        out.add(ctx.signer(keys, n));
      }
      return out;
    } catch (RuntimeException e) {
      closeAll(out);
      throw e;
    }
  }

  static void closeAll(List<Signer> signers) {
    for (Signer s : signers) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // closing a signer only logs out of a token
      }
    }
  }

  /** Public keys for names; refuses key types no Uptane verifier accepts. */
  static List<TufKey> roleKeys(KeyDirectory keys, List<String> names) {
    List<TufKey> out = new ArrayList<>();
    for (String n : names) {
      TufKey k = keys.publicKey(n);
      String reason = k.unusableForRolesReason();
      if (reason != null) {
        throw new CliException(
            ExitCodes.OTHER,
            "key '" + n + "' (" + keys.publicFile(n) + ") cannot be used: " + reason,
            "use an Ed25519 or RSA-2048/3072/4096 key");
      }
      out.add(k);
    }
    return out;
  }

  /** The options a target entry is built from ({@code targets add} and friends). */
  record TargetSpec(
      String name,
      String version,
      long length,
      String sha256,
      List<String> hardwareIds,
      String format,
      String url,
      String customMeta,
      boolean cliUploaded) {

    String filename() {
      return name + "-" + version;
    }

    /**
     * Validates everything and builds the target item: custom per compat spec §6.3, {@code
     * --customMeta} deep-merged over it.
     */
    ObjectNode item(Instant now) {
      ascii("--name", name);
      ascii("--version", version);
      for (String h : hardwareIds) {
        ascii("--hardwareids", h);
        if (h.length() > 200) {
          throw new CliException(
              ExitCodes.USAGE, "--hardwareids: \"" + h + "\" is longer than 200 characters", null);
        }
      }
      if (hardwareIds.isEmpty()) {
        throw new CliException(ExitCodes.USAGE, "--hardwareids needs at least one ID", null);
      }
      TargetsRole.checkFilename(filename(), "--name/--version");
      if (length < 0) {
        throw new CliException(ExitCodes.USAGE, "--length must not be negative", null);
      }
      if (!SHA256.matcher(sha256).matches()) {
        throw new CliException(
            ExitCodes.USAGE,
            "--sha256: \"" + sha256 + "\" is not 64 hexadecimal characters",
            "pass the SHA-256 of the file, e.g. from sha256sum");
      }
      String fmt = format == null ? "BINARY" : format.toUpperCase(Locale.ROOT);
      if (!fmt.equals("BINARY") && !fmt.equals("OSTREE")) {
        throw new CliException(
            ExitCodes.USAGE, "--format: \"" + format + "\" is not ostree or binary", null);
      }
      if (url != null) {
        ascii("--url", url);
        try {
          new URI(url);
        } catch (URISyntaxException e) {
          throw new CliException(ExitCodes.USAGE, "--url: \"" + url + "\" is not a URI", null);
        }
      }
      ObjectNode meta = null;
      if (customMeta != null) {
        JsonNode n;
        try {
          n = MetadataJson.parse(customMeta, "--customMeta");
        } catch (MetadataException e) {
          // an unparsable option value is a usage error, like a non-object one
          throw new CliException(
              ExitCodes.USAGE,
              e.getMessage(),
              "pass a JSON object, e.g. --customMeta '{\"channel\":\"beta\"}'");
        }
        if (!n.isObject()) {
          throw new CliException(ExitCodes.USAGE, "--customMeta must be a JSON object", null);
        }
        meta = (ObjectNode) n;
        for (String k : FORBIDDEN_CUSTOM) {
          if (meta.has(k)) {
            throw new CliException(
                ExitCodes.USAGE,
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
  }

  private static void ascii(String option, String value) {
    requireAscii(MetadataJson.nodes().textNode(value), option);
  }

  private static void requireAscii(JsonNode node, String option) {
    try {
      AsciiContent.require(node, option);
    } catch (MetadataException e) {
      throw new CliException(ExitCodes.OTHER, e.getMessage(), e.hint());
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
