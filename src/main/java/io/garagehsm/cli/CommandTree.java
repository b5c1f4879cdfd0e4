package io.garagehsm.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Builds the picocli command tree, or only the branch a command line needs. picocli's model of
 * every command (annotations read by reflection, inherited options copied into each) costs more CPU
 * than the work of most commands, so when the arguments name a command, only that command is built
 * at each level: {@code targets sign} builds the top command, {@code targets} and {@code sign}, not
 * targets' ten other subcommands. Parsing, help and errors of that command are exactly those of the
 * full tree: picocli never looks at sibling commands once it is inside one. Anything else at a
 * level (no command word, an unknown word or option, help asked of the group itself) gets all of
 * that level, so a group's help, suggestions and errors list every subcommand.
 *
 * <p>The subcommands are not in the {@code @Command} annotations (picocli would build them all);
 * each group lists them, in help order, in its {@code SUBCOMMANDS}, and {@link #GROUPS} maps the
 * group to that list. A subcommand tree is built before it is added to its parent, as picocli does
 * with annotated subcommands, so inherited options arrive in the same order.
 */
final class CommandTree {
  private CommandTree() {}

  /** Every command that has subcommands, with them in help order. */
  static final Map<Class<?>, List<Class<?>>> GROUPS =
      Map.ofEntries(
          Map.entry(GarageHsmCommand.class, GarageHsmCommand.SUBCOMMANDS),
          Map.entry(KeyCommand.class, KeyCommand.SUBCOMMANDS),
          Map.entry(UserKeysCommand.class, UserKeysCommand.SUBCOMMANDS),
          Map.entry(TokensCommand.class, TokensCommand.SUBCOMMANDS),
          Map.entry(TargetsCommand.class, TargetsCommand.SUBCOMMANDS),
          Map.entry(TargetsDelegationsCommand.class, TargetsDelegationsCommand.SUBCOMMANDS),
          Map.entry(RootCommand.class, RootCommand.SUBCOMMANDS),
          Map.entry(RootKeyCommands.Key.class, RootKeyCommands.Key.SUBCOMMANDS),
          Map.entry(RootKeyCommands.TargetsKey.class, RootKeyCommands.TargetsKey.SUBCOMMANDS),
          Map.entry(DelegationsCommand.class, DelegationsCommand.SUBCOMMANDS),
          Map.entry(CeremonyCommand.class, CeremonyCommand.SUBCOMMANDS));

  /**
   * Adds the subcommands of {@code top} (the {@link GarageHsmCommand}) that {@code args} can reach,
   * level by level: all of a level, or the one named. Null {@code args}: the whole tree.
   */
  static void addSubcommands(CommandLine top, String[] args, boolean generatedModel) {
    List<CommandSpec> above = new ArrayList<>();
    add(top, GarageHsmCommand.SUBCOMMANDS, args, 0, above, generatedModel);
  }

  /**
   * Adds to {@code group} its subcommands that {@code args} from index {@code from} can reach.
   * {@code above} holds the commands above the group (their inherited options are accepted here).
   */
  private static void add(
      CommandLine group,
      List<Class<?>> subs,
      String[] args,
      int from,
      List<CommandSpec> above,
      boolean generatedModel) {
    Choice choice =
        args == null ? Choice.ALL : choose(group.getCommandSpec(), above, subs, args, from);
    if (choice == Choice.NONE) {
      return;
    }
    above.add(group.getCommandSpec());
    for (Class<?> c : subs) {
      if (choice.only != null && c != choice.only) {
        continue;
      }
      // as picocli builds a subcommand named in an annotation, from the generated model if any
      CommandLine sub =
          new CommandLine(
              CommandModel.of(c, group.getFactory(), generatedModel), group.getFactory());
      List<Class<?>> subSubs = GROUPS.get(c);
      if (subSubs != null) {
        add(sub, subSubs, choice.only == null ? null : args, choice.next, above, generatedModel);
      }
      group.addSubcommand(sub);
    }
    above.remove(above.size() - 1);
  }

  /** What to build of a level: all ({@code only} null), none, or one whose words end at next. */
  private record Choice(Class<?> only, int next) {
    static final Choice ALL = new Choice(null, -1);
    static final Choice NONE = new Choice(Void.class, -1);
  }

  /**
   * The subcommand of {@code group} that {@code args} from {@code from} name; {@link Choice#NONE}
   * when they are only the top command's version option; {@link Choice#ALL} when the whole level is
   * needed.
   */
  private static Choice choose(
      CommandSpec group, List<CommandSpec> above, List<Class<?>> subs, String[] args, int from) {
    boolean versionOnly = false;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("-")) {
        if (a.equals("-") || a.equals("--")) {
          return Choice.ALL;
        }
        int eq = a.indexOf('=');
        OptionSpec o = option(group, above, eq > 0 ? a.substring(0, eq) : a);
        if (o == null || o.usageHelp()) {
          return Choice.ALL; // unknown here (picocli explains it with the whole level) or help
        }
        if (o.versionHelp()) {
          versionOnly = true;
        } else if (eq < 0 && o.arity().max() > 0) {
          i++; // its value, whatever it looks like
        }
        continue;
      }
      for (Class<?> c : subs) {
        if (CommandModel.answersTo(c, a)) {
          return versionOnly ? Choice.ALL : new Choice(c, i + 1);
        }
      }
      return Choice.ALL;
    }
    return versionOnly && above.isEmpty() ? Choice.NONE : Choice.ALL;
  }

  /**
   * The option {@code name} on {@code group}: its own, or one that a command above it hands down
   * (picocli copies those into the group when the group is added to its parent, after this).
   */
  private static OptionSpec option(CommandSpec group, List<CommandSpec> above, String name) {
    OptionSpec o = group.findOption(name);
    for (int i = above.size() - 1; o == null && i >= 0; i--) {
      OptionSpec up = above.get(i).findOption(name);
      if (up != null && (up.inherited() || up.scopeType() == ScopeType.INHERIT)) {
        o = up;
      }
    }
    return o;
  }
}
