package io.garagehsm.cli;

import io.garagehsm.ops.keys.KeyAdoption;
import io.garagehsm.ops.keys.KeyGeneration;
import io.garagehsm.ops.keys.StoredKey;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code key generate}: key pairs in a repository's {@code keys/}. */
@Command(
    addMethodSubcommands = false,
    name = "key",
    description = "Manage the keys of a repository (keys/).")
final class KeyCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(KeyCommand.Generate.class, KeyCommand.Adopt.class);

  @Command(
      addMethodSubcommands = false,
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

    @Mixin ResultOutput output;

    Generate(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      KeySpecOptions.keyType(spec.type); // a usage error before the repository is even opened
      Repository r = ctx.repo(repo.repo);
      StoredKey key;
      try (RepoLock lock = r.lock()) {
        key = spec.generate(ctx, r.keys(), name);
      }
      return report(ctx, output, key);
    }
  }

  /** {@code key adopt}: a key made on a token by another tool joins the repository by name. */
  @Command(
      addMethodSubcommands = false,
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

    @Mixin ResultOutput output;

    Adopt(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      Repository r = ctx.repo(repo.repo);
      KeyDirectory keys = r.keys();
      KeyGeneration.refuseExisting(keys, name);
      StoredKey key;
      try (RepoLock lock = r.lock()) {
        key = adopt(ctx, keys, name, uri);
      }
      return report(ctx, output, key);
    }
  }

  /** Adopts a token key under {@code name} and says so; the caller reports the result. */
  static StoredKey adopt(CliContext ctx, KeyDirectory keys, String name, String keyUri) {
    StoredKey key = new KeyAdoption(ctx::tokens).run(new KeyAdoption.Request(keys, name, keyUri));
    ctx.info(
        "Adopted "
            + key.publicKey().describe()
            + " key '"
            + name
            + "': "
            + key.tokenUri().orElseThrow());
    return key;
  }

  /**
   * The result of a new key: a token key's ID also goes to stdout as one line, as the README says
   * of key IDs, unless {@code --json} prints the whole result there instead.
   */
  static int report(CliContext ctx, ResultOutput output, StoredKey key) {
    if (key.tokenUri().isPresent() && !output.json) {
      ctx.out().println(key.keyId());
    }
    return output.report(ctx, key);
  }
}
