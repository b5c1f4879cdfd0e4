package io.garagehsm.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Builds the picocli command tree, or only the branch a command line needs. picocli's model of
 * every command (annotations read by reflection, inherited options copied into each) costs more CPU
 * than the work of most commands, so when the arguments name a top-level command, only that command
 * and its own subcommands are built. Parsing, help and errors of that command are exactly those of
 * the full tree: picocli never looks at sibling commands once it is inside one. Anything else (no
 * command word, an unknown word or option, help asked of the top command) gets the full tree, so
 * top-level help, suggestions and errors list every command.
 */
final class CommandTree {
  private CommandTree() {}

  /** Adds the subcommands of {@code top} that {@code args} can reach: all of them, or one. */
  static void addSubcommands(CommandLine top, String[] args) {
    Class<?> only = null;
    boolean none = false;
    if (args != null) {
      Class<?> named = namedCommand(top.getCommandSpec(), args);
      if (named == NO_COMMAND) {
        none = true;
      } else {
        only = named;
      }
    }
    if (none) {
      return;
    }
    for (Class<?> c : GarageHsmCommand.SUBCOMMANDS) {
      if (only == null || c == only) {
        top.addSubcommand(c); // instantiated by the factory, as from the annotation
      }
    }
  }

  private static final Class<?> NO_COMMAND = Void.class;

  /**
   * The top-level command class {@code args} name; {@link #NO_COMMAND} when they are only the
   * version option; null when the full tree is needed.
   */
  private static Class<?> namedCommand(CommandSpec top, String[] args) {
    boolean versionOnly = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("-")) {
        if (a.equals("-") || a.equals("--")) {
          return null;
        }
        int eq = a.indexOf('=');
        OptionSpec o = top.findOption(eq > 0 ? a.substring(0, eq) : a);
        if (o == null || o.usageHelp()) {
          return null; // unknown here (picocli explains it with the whole tree) or top help
        }
        if (o.versionHelp()) {
          versionOnly = true;
        } else if (eq < 0 && o.arity().max() > 0) {
          i++; // its value, whatever it looks like
        }
        continue;
      }
      for (Class<?> c : GarageHsmCommand.SUBCOMMANDS) {
        Command cmd = c.getAnnotation(Command.class);
        if (cmd.name().equals(a) || List.of(cmd.aliases()).contains(a)) {
          return versionOnly ? null : c;
        }
      }
      return null;
    }
    return versionOnly ? NO_COMMAND : null;
  }
}
