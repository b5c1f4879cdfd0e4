package io.garagehsm.cli;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code key generate}: key pairs in a repository's {@code keys/}. */
@Command(
    name = "key",
    description = "Manage the keys of a repository (keys/).",
    subcommands = {KeyCommand.Generate.class})
final class KeyCommand {

  /** {@code -t ed25519|rsa}, lower case only, as garage-sign (exit 255 otherwise). */
  static KeyType keyType(String t) {
    return switch (t) {
      case "ed25519" -> KeyType.ED25519;
      case "rsa" -> KeyType.RSA;
      default ->
          throw new CliException(
              ExitCodes.USAGE,
              "Invalid keytype: " + t + " valid: (ed25519, rsa)",
              "write the key type in lower case: -t ed25519 or -t rsa");
    };
  }

  /** Default key size: 256 for Ed25519, 2048 for RSA. */
  static int keySize(KeyType t, Integer keysize) {
    if (keysize != null) {
      return keysize;
    }
    return t == KeyType.RSA ? 2048 : 256;
  }

  @Command(
      name = "generate",
      description = {
        "Generate a key pair: keys/<name>.pub (0644) and keys/<name>.sec (0600).",
        "Refuses to overwrite an existing key of that name."
      })
  static final class Generate implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-n", "--name"},
        required = true,
        paramLabel = "<base>",
        description = "Key name: the file names keys/<name>.*.")
    String name;

    @Option(
        names = {"-t", "--type"},
        paramLabel = "ed25519|rsa",
        defaultValue = "ed25519",
        description = "Key type, lower case (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(
        names = "--keysize",
        paramLabel = "<bits>",
        description = "RSA: 2048 (default), 3072 or 4096. Ed25519: 256 only.")
    Integer keysize;

    @Option(
        names = "--token",
        paramLabel = "<pkcs11 URI>",
        description =
            "Generate the key on a PKCS#11 token instead and write keys/<name>.pub plus the"
                + " reference keys/<name>.pkcs11.")
    String token;

    Generate(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyType t = keyType(type);
      KeyDirectory.checkName(name);
      if (token != null) {
        throw new CliException(
            ExitCodes.OTHER,
            "token key generation is not available in this build",
            "generate the key pair with your token's tools, then add its public key with"
                + " 'user-keys importpub'");
      }
      Repository r = ctx.repo(repo.repo);
      KeyDirectory keys = r.keys();
      refuseExisting(keys, name);
      TufKeyPair pair = TufKeyPair.generate(t, keySize(t, keysize));
      try (RepoLock lock = r.lock()) {
        refuseExisting(keys, name);
        keys.writeKeyPair(name, pair);
      }
      ctx.info(Support.savedKeys(keys.dir(), name));
      return ExitCodes.OK;
    }
  }

  /** Never overwrite a key: a lost private key cannot be recovered. */
  static void refuseExisting(KeyDirectory keys, String name) {
    if (keys.exists(name)) {
      throw new CliException(
          ExitCodes.OTHER,
          "key '" + name + "' already exists in " + keys.dir(),
          "choose another name, or move keys/" + name + ".* away first");
    }
  }
}
