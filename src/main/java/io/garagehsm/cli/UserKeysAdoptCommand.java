package io.garagehsm.cli;

import io.garagehsm.repo.KeyDirectory;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code user-keys adopt}: a token key into the user-keys folder (ops.keys.KeyAdoption). */
@Command(
    addMethodSubcommands = false,
    name = "adopt",
    description =
        "Adopt a key that already lives on a token: writes <name>.pub and <name>.pkcs11 in"
            + " <home>/user-keys (or --keys-path).")
final class UserKeysAdoptCommand implements Callable<Integer> {
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

  UserKeysAdoptCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    KeyDirectory.checkName(name);
    return KeyCommand.report(ctx, output, KeyCommand.adopt(ctx, parent.keys(ctx), name, uri));
  }
}
