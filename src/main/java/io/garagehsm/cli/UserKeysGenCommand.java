package io.garagehsm.cli;

import io.garagehsm.ops.keys.StoredKey;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code user-keys gen}: a key pair in the user-keys folder (procedure: ops.keys.KeyGeneration).
 */
@Command(
    addMethodSubcommands = false,
    name = "gen",
    description =
        "Generate a key pair <name>.pub / <name>.sec in <home>/user-keys (or --keys-path), or on a"
            + " token with --token.")
final class UserKeysGenCommand implements Callable<Integer> {
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

  UserKeysGenCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    KeyDirectory.checkName(name);
    KeyDirectory keys = parent.keys(ctx);
    StoredKey key;
    // the folder's lock: two runs for one name keep one key (garage-sign: the last writer wins)
    try (RepoLock lock = keys.lock()) {
      key = spec.generate(ctx, keys, name);
    }
    return KeyCommand.report(ctx, output, key);
  }
}
