package io.garagehsm.cli;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.ops.keys.KeyGeneration;
import io.garagehsm.ops.keys.StoredKey;
import io.garagehsm.repo.KeyDirectory;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code -t}, {@code --keysize} and {@code --token} of {@code key generate} and {@code user-keys
 * gen}, and the generation both do: a file key pair, or a key pair on a token.
 */
final class KeySpecOptions {
  @Option(
      names = {"-t", "--type"},
      paramLabel = "ed25519|rsa",
      defaultValue = "ed25519",
      description = "Key type, lower case (default: ${DEFAULT-VALUE}).")
  String type;

  @Option(
      names = "--keysize",
      paramLabel = "<bits>",
      description =
          "RSA: 2048 (default), 3072 or 4096 (a file key may be larger, but roles refuse"
              + " it and token keys take only these). Ed25519: 256 only.")
  Integer keysize;

  @Option(
      names = "--token",
      paramLabel = "<pkcs11 URI>",
      description =
          "Generate the key on this PKCS#11 token instead (private, sensitive, non-extractable,"
              + " sign-only, labelled <name>); writes <name>.pub and the reference"
              + " <name>.pkcs11, no private key file.")
  String token;

  /** {@code -t ed25519|rsa}, lower case only, as garage-sign (exit 255 otherwise). */
  static KeyType keyType(String t) {
    return switch (t) {
      case "ed25519" -> KeyType.ED25519;
      case "rsa" -> KeyType.RSA;
      default ->
          throw new CliException(
              ExitCodes.USAGE, "Invalid keytype: " + t + " valid: (ed25519, rsa)", typeHint(t));
    };
  }

  /** The fix for a wrong {@code -t}: the case when only the case is wrong, else the types. */
  private static String typeHint(String t) {
    String lower = t.toLowerCase(java.util.Locale.ROOT);
    if (lower.equals("ed25519") || lower.equals("rsa")) {
      return "write the key type in lower case: -t " + lower;
    }
    String types =
        "the key types are ed25519 (the default) and rsa (with --keysize 2048, 3072 or" + " 4096)";
    return lower.startsWith("ec") || lower.contains("p256") || lower.contains("prime256")
        ? types + "; ECDSA keys cannot sign Uptane metadata for aktualizr"
        : types;
  }

  /**
   * Generates key {@code name} in {@code keys}; the caller holds the folder's lock, if any, and
   * reports the result ({@link KeyCommand#report}).
   */
  StoredKey generate(CliContext ctx, KeyDirectory keys, String name) {
    KeyType t = keyType(type);
    int bits = keysize != null ? keysize : KeyGeneration.defaultSize(t);
    StoredKey key =
        new KeyGeneration(ctx::tokens).run(new KeyGeneration.Request(keys, name, t, bits, token));
    key.tokenUri()
        .ifPresent(
            uri ->
                ctx.info(
                    "Generated "
                        + key.publicKey().describe()
                        + " key '"
                        + name
                        + "' on the token: "
                        + uri));
    return key;
  }

  /** "Saved keys to dir/{n.sec, n.pub}", garage-sign's wording. */
  static String savedKeys(Path dir, String name) {
    return KeyGeneration.savedKeys(dir, name);
  }
}
