package io.garagehsm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers shared by the offline commands. */
final class Support {
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
    SignerOpener opener = ctx::signer;
    return opener.openAll(keys, names);
  }

  static void closeAll(List<Signer> signers) {
    SignerOpener.closeAll(signers);
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
}
