package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.repo.KeyDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code user-keys}: keys outside any repository, in {@code <home>/user-keys}. */
@Command(
    addMethodSubcommands = false,
    name = "user-keys",
    description = "Manage keys outside a repository (in <home>/user-keys or --keys-path).")
final class UserKeysCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          UserKeysGenCommand.class,
          UserKeysCommand.Id.class,
          UserKeysImportPubCommand.class,
          UserKeysAdoptCommand.class);

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
  @Command(
      addMethodSubcommands = false,
      name = "id",
      description = "Print the key ID of a public key file (no newline).")
  static final class Id implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<pub-file>",
        description = "Public key file (.pub).")
    Path input;

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
}
