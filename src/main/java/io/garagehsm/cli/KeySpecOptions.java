package io.garagehsm.cli;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.KeyDirectory;
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

  /** Generates key {@code name} in {@code keys}; the caller holds the folder's lock, if any. */
  void generate(CliContext ctx, KeyDirectory keys, String name) {
    KeyType t = KeyCommand.keyType(type);
    int bits = KeyCommand.keySize(t, keysize);
    KeyCommand.refuseExisting(keys, name);
    if (token != null) {
      KeyCommand.generateOnToken(ctx, keys, name, token, t, bits);
      return;
    }
    keys.writeKeyPair(name, TufKeyPair.generate(t, bits));
    ctx.info(Support.savedKeys(keys.dir(), name));
  }
}
