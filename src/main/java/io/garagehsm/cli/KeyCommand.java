package io.garagehsm.cli;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.signing.TokenKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code key generate}: key pairs in a repository's {@code keys/}. */
@Command(
    name = "key",
    description = "Manage the keys of a repository (keys/).",
    subcommands = {KeyCommand.Generate.class, KeyCommand.Adopt.class})
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
        "With --token, the key pair is generated ON the token (private, sensitive,"
            + " non-extractable, sign-only, CKA_LABEL = <name>) and the repository gets only"
            + " keys/<name>.pub and the reference keys/<name>.pkcs11 (URI + key ID, no secret).",
        "Refuses to overwrite an existing key of that name, in the folder or on the token."
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

    @Mixin KeySpecOptions spec;

    Generate(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      KeyCommand.keyType(spec.type); // a usage error before the repository is even opened
      Repository r = ctx.repo(repo.repo);
      try (RepoLock lock = r.lock()) {
        spec.generate(ctx, r.keys(), name);
      }
      return ExitCodes.OK;
    }
  }

  /** {@code key adopt}: a key made on a token by another tool joins the repository by name. */
  @Command(
      name = "adopt",
      description = {
        "Adopt a key that already lives on a token (made by yubihsm-shell, ykman, pkcs11-tool,"
            + " tpm2_ptool...): reads its public key and writes keys/<name>.pub plus"
            + " keys/<name>.pkcs11, so <name> works wherever a key name is taken.",
        "Needs no PIN unless the token hides public keys (YubiHSM 2); then it logs in."
      })
  static final class Adopt implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-n", "--name"},
        required = true,
        paramLabel = "<name>",
        description = "Name for the key in keys/.")
    String name;

    @Option(
        names = "--uri",
        required = true,
        paramLabel = "<pkcs11 URI>",
        description = "The key on the token, e.g. pkcs11:token=root;object=root-2026.")
    String uri;

    Adopt(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      Repository r = ctx.repo(repo.repo);
      KeyDirectory keys = r.keys();
      refuseExisting(keys, name);
      try (RepoLock lock = r.lock()) {
        adopt(ctx, keys, name, uri);
      }
      return ExitCodes.OK;
    }
  }

  /** Generates on the token and records the key as {@code <name>.pub} + {@code <name>.pkcs11}. */
  static void generateOnToken(
      CliContext ctx, KeyDirectory keys, String name, String tokenUri, KeyType t, int bits) {
    refuseExisting(keys, name);
    TokenKeys.TokenKeyInfo info = ctx.tokens().generate(tokenUri, name, t, bits);
    keys.writeTokenKey(
        name, info.publicKey(), new TokenReference(info.uri(), info.publicKey().keyId()));
    ctx.info(
        "Generated "
            + info.publicKey().describe()
            + " key '"
            + name
            + "' on the token: "
            + info.uri());
    ctx.info(
        "key id "
            + info.publicKey().keyId()
            + "; saved "
            + keys.publicFile(name)
            + " and "
            + keys.referenceFile(name));
  }

  /** Reads a token key's public key and records it under {@code name}. */
  static void adopt(CliContext ctx, KeyDirectory keys, String name, String keyUri) {
    refuseExisting(keys, name);
    TokenKeys.TokenKeyInfo info = ctx.tokens().adopt(keyUri);
    String reason = info.publicKey().unusableForRolesReason();
    if (reason != null) {
      throw new CliException(
          ExitCodes.OTHER, keyUri + ": " + reason, "adopt an Ed25519 or RSA-2048/3072/4096 key");
    }
    keys.writeTokenKey(
        name, info.publicKey(), new TokenReference(info.uri(), info.publicKey().keyId()));
    ctx.info("Adopted " + info.publicKey().describe() + " key '" + name + "': " + info.uri());
    ctx.info(
        "key id "
            + info.publicKey().keyId()
            + "; saved "
            + keys.publicFile(name)
            + " and "
            + keys.referenceFile(name));
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
