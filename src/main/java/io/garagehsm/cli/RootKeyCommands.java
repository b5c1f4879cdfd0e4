package io.garagehsm.cli;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.ops.root.RootKeyEdit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code root key add/remove} and {@code root targets-key add/remove} ({@link RootKeyEdit}). */
final class RootKeyCommands {
  private RootKeyCommands() {}

  /** {@code add -k <name>…}: shared by {@code root key} and {@code root targets-key}. */
  abstract static class AddKeys implements Callable<Integer> {
    private final CliContext ctx;
    private final String role;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key name in keys/ (repeatable).")
    List<String> names;

    @Mixin ResultOutput output;

    AddKeys(CliContext ctx, String role) {
      this.ctx = ctx;
      this.role = role;
    }

    @Override
    public Integer call() {
      RootKeyEdit.Request rq = new RootKeyEdit.Request(ctx.repo(repo.repo), role, names, List.of());
      return output.report(ctx, new RootKeyEdit(ctx).add(rq));
    }
  }

  /** {@code remove -k <name>… --key-id <id>…}: shared by both key groups. */
  abstract static class RemoveKeys implements Callable<Integer> {
    private final CliContext ctx;
    private final String role;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        paramLabel = "<name>",
        description = "Key name in keys/ (repeatable).")
    List<String> names = new ArrayList<>();

    @Option(names = "--key-id", paramLabel = "<id>", description = "Key ID (repeatable).")
    List<String> ids = new ArrayList<>();

    @Mixin ResultOutput output;

    RemoveKeys(CliContext ctx, String role) {
      this.ctx = ctx;
      this.role = role;
    }

    @Override
    public Integer call() {
      if (names.isEmpty() && ids.isEmpty()) {
        throw new CliException(ExitCodes.USAGE, "give -k <name> and/or --key-id <id>", null);
      }
      RootKeyEdit.Request rq = new RootKeyEdit.Request(ctx.repo(repo.repo), role, names, ids);
      return output.report(ctx, new RootKeyEdit(ctx).remove(rq));
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "key",
      description = "Add or remove keys of the root role in the unsigned root.json.")
  static final class Key {
    /**
     * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the
     * one a command line names).
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(Key.Add.class, Key.Remove.class);

    @Command(
        addMethodSubcommands = false,
        name = "add",
        description =
            "Add keys/<name>.pub to the root role (threshold unchanged). Token keys work the"
                + " same: their .pub is in keys/.")
    static final class Add extends AddKeys {
      Add(CliContext ctx) {
        super(ctx, RootRole.ROOT);
      }
    }

    @Command(
        addMethodSubcommands = false,
        name = "remove",
        description =
            "Remove keys from the root role (threshold unchanged); keys no role references any"
                + " more are dropped from root.json.")
    static final class Remove extends RemoveKeys {
      Remove(CliContext ctx) {
        super(ctx, RootRole.ROOT);
      }
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "targets-key",
      description = "Add or remove keys of the targets role in the unsigned root.json.")
  static final class TargetsKey {
    /**
     * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the
     * one a command line names).
     */
    static final List<Class<?>> SUBCOMMANDS =
        List.of(TargetsKey.Add.class, TargetsKey.Remove.class);

    @Command(
        addMethodSubcommands = false,
        name = "add",
        description = "Add keys/<name>.pub (file or token key) to the targets role.")
    static final class Add extends AddKeys {
      Add(CliContext ctx) {
        super(ctx, RootRole.TARGETS);
      }
    }

    @Command(
        addMethodSubcommands = false,
        name = "remove",
        description = "Remove keys from the targets role.")
    static final class Remove extends RemoveKeys {
      Remove(CliContext ctx) {
        super(ctx, RootRole.TARGETS);
      }
    }
  }
}
