package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.keys.PublicKeyImport;
import io.garagehsm.ops.keys.StoredKey;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/** {@code user-keys}: keys outside any repository, in {@code <home>/user-keys}. */
@Command(
    name = "user-keys",
    description = "Manage keys outside a repository (in <home>/user-keys or --keys-path).",
    subcommands = {
      UserKeysCommand.Gen.class,
      UserKeysCommand.Id.class,
      UserKeysCommand.ImportPub.class,
      UserKeysCommand.Adopt.class
    })
final class UserKeysCommand {
  @Option(
      names = {"-p", "--keys-path"},
      scope = ScopeType.INHERIT,
      paramLabel = "<dir>",
      description = "Folder of user keys (default: <home>/user-keys).")
  Path keysPath;

  KeyDirectory keys(CliContext ctx) {
    return ctx.userKeys(keysPath);
  }

  /** {@code user-keys id -i <pub>}: prints the key ID with no trailing newline. */
  @Command(name = "id", description = "Print the key ID of a public key file (no newline).")
  static final class Id implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<pub-file>",
        description = "Public key file (.pub).")
    Path input;

    @ParentCommand UserKeysCommand parent;

    Id(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      TufKey key = TufKey.fromJson(MetadataJson.read(input), input.toString());
      ctx.out().print(key.keyId());
      return ExitCodes.OK;
    }
  }

  /** {@code user-keys gen}: a key pair in the user-keys folder. */
  @Command(
      name = "gen",
      description =
          "Generate a key pair <name>.pub / <name>.sec in <home>/user-keys (or --keys-path), or on a token with --token.")
  static final class Gen implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin KeySpecOptions spec;

    @Mixin ResultOutput output;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key name.")
    String name;

    @ParentCommand UserKeysCommand parent;

    Gen(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      KeyDirectory keys = parent.keys(ctx);
      StoredKey key;
      try (RepoLock lock = keys.lock()) {
        key = spec.generate(ctx, keys, name);
      }
      return KeyCommand.report(ctx, output, key);
    }
  }

  /** {@code user-keys importpub}: a PEM public key into a repository's keys/. */
  @Command(
      name = "importpub",
      description = {
        "Import a PEM public key (SPKI RSA, Ed25519 or P-256, or PKCS#1 RSA) as"
            + " keys/<name>.pub of a repository, e.g. the public half of an HSM key.",
        "Sign with such keys through --signatures, or adopt the token key."
      })
  static final class ImportPub implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key name (repeatable: the same key under several names).")
    List<String> names;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<pem>",
        description = "PEM public key file.")
    Path input;

    ImportPub(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      names.forEach(KeyDirectory::checkName);
      TufKey key = PublicKeyImport.read(input);
      String reason = key.unusableForRolesReason();
      if (reason != null) {
        ctx.warn(input + ": " + reason);
      }
      PublicKeyImport.Result result = PublicKeyImport.store(ctx.repo(repo.repo), names, key);
      for (Path file : result.filesWritten()) {
        ctx.info("Imported " + key.describe() + " key " + key.keyId() + " to " + file);
      }
      return ExitCodes.OK;
    }
  }

  /** {@code user-keys adopt}: a token key into the user-keys folder. */
  @Command(
      name = "adopt",
      description =
          "Adopt a key that already lives on a token: writes <name>.pub and <name>.pkcs11 in"
              + " <home>/user-keys (or --keys-path).")
  static final class Adopt implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key name.")
    String name;

    @Option(
        names = "--uri",
        required = true,
        paramLabel = "<pkcs11 URI>",
        description = "The key on the token, e.g. pkcs11:token=dev;object=supplier.")
    String uri;

    @Mixin ResultOutput output;

    @ParentCommand UserKeysCommand parent;

    Adopt(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      KeyDirectory.checkName(name);
      return KeyCommand.report(ctx, output, KeyCommand.adopt(ctx, parent.keys(ctx), name, uri));
    }
  }
}
