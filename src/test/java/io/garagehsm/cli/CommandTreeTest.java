package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The tree built for one command line answers exactly as the whole tree does. */
class CommandTreeTest {
  private record Answer(int code, String out, String err) {}

  private static Answer execute(boolean whole, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(),
            Cli.at("2026-01-01T00:00:00Z"));
    CommandLine cl = whole ? Main.commandLine(ctx) : Main.commandLine(ctx, args);
    int code = cl.execute(args);
    return new Answer(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static int topLevelCommands(String... args) {
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    return Main.commandLine(ctx, args).getSubcommands().size();
  }

  @Test
  void onlyTheNamedBranchIsBuilt() {
    int all = GarageHsmCommand.SUBCOMMANDS.size();
    assertEquals(all, topLevelCommands());
    assertEquals(1, topLevelCommands("targets", "sign", "-r", "x", "--key-name", "k"));
    assertEquals(1, topLevelCommands("--home-dir", "targets", "sign-json", "-i", "x"));
    assertEquals(1, topLevelCommands("--verbose", "--home-dir=/tmp/h", "user-keys", "id"));
    assertEquals(0, topLevelCommands("--version"));
    // help of the top, unknown words and options, "--": everything
    assertEquals(all, topLevelCommands("--help", "targets"));
    assertEquals(all, topLevelCommands("targts", "sign"));
    assertEquals(all, topLevelCommands("--no-such-option", "targets"));
    assertEquals(all, topLevelCommands("--", "targets"));
    assertEquals(all, topLevelCommands("--home-dir"));
  }

  /** How many subcommands the command at {@code path} has in the tree built for {@code args}. */
  private static int subcommandsAt(List<String> path, String... args) {
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    CommandLine c = Main.commandLine(ctx, args);
    for (String word : path) {
      c = c.getSubcommands().get(word);
    }
    return c.getSubcommands().size();
  }

  @Test
  void belowTheTopOnlyTheNamedSubcommandIsBuiltToo() {
    int targets = TargetsCommand.SUBCOMMANDS.size();
    assertTrue(targets > 5);
    List<String> t = List.of("targets");
    assertEquals(1, subcommandsAt(t, "targets", "sign", "-r", "x", "--key-name", "k"));
    assertEquals(1, subcommandsAt(t, "--home-dir", "/h", "targets", "--verbose", "add", "-r", "x"));
    assertEquals(1, subcommandsAt(List.of("user-keys"), "user-keys", "-p", "/k", "id", "-i", "x"));
    assertEquals(1, subcommandsAt(List.of("root"), "root", "key", "add", "-r", "x"));
    assertEquals(1, subcommandsAt(List.of("root", "key"), "root", "key", "add", "-r", "x"));
    // the group alone, its help, an unknown word or option, "--": all of that level
    assertEquals(targets, subcommandsAt(t, "targets"));
    assertEquals(targets, subcommandsAt(t, "targets", "--help", "sign"));
    assertEquals(targets, subcommandsAt(t, "targets", "sgin"));
    assertEquals(targets, subcommandsAt(t, "targets", "--no-such-option", "sign"));
    assertEquals(targets, subcommandsAt(t, "targets", "--", "sign"));
    assertEquals(targets, subcommandsAt(t, "targets", "--home-dir"));
    assertEquals(2, subcommandsAt(List.of("root", "key"), "root", "key", "ad"));
    // the whole tree has every group's subcommands, in the order of their lists
    for (Map.Entry<Class<?>, List<Class<?>>> g : CommandTree.GROUPS.entrySet()) {
      assertTrue(g.getValue().size() > 0, g.getKey().getName());
    }
  }

  @Test
  void everyLevelAnswersMissingOptionsAndUnknownSubcommandsAsTheWholeTree() {
    List<List<String>> paths = new ArrayList<>();
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    CommandLine whole = Main.commandLine(ctx);
    HelpTest.collect(whole, new ArrayList<>(), paths);
    List<String[]> lines = new ArrayList<>();
    int groups = 0;
    int required = 0;
    for (List<String> p : paths) {
      CommandLine c = whole;
      for (String word : p) {
        c = c.getSubcommands().get(word);
      }
      boolean group = !c.getSubcommands().isEmpty();
      boolean needsArgs = c.getCommandSpec().args().stream().anyMatch(a -> a.required());
      // only command lines that stop at parsing: a group alone, or a command missing its options
      if (group || needsArgs) {
        lines.add(p.toArray(String[]::new));
        groups += group ? 1 : 0;
        required += needsArgs ? 1 : 0;
      }
      List<String> unknown = new ArrayList<>(p);
      unknown.add("no-such-word");
      lines.add(unknown.toArray(String[]::new));
      if (p.size() > 1) {
        // a global option between the command words, then the help of the command
        List<String> between = new ArrayList<>(p);
        between.add(1, "--verbose");
        between.add("--help");
        lines.add(between.toArray(String[]::new));
      }
    }
    assertTrue(groups >= CommandTree.GROUPS.size() - 1, "groups alone: " + groups);
    assertTrue(required > 20, "commands missing an option: " + required);
    lines.add(new String[] {"user-keys", "-p", "/nonexistent", "gen"});
    lines.add(new String[] {"user-keys", "--keys-path=/nonexistent", "id", "--help"});
    lines.add(new String[] {"targets", "--home-dir", "sign"});
    lines.add(new String[] {"root", "key", "--no-such-option", "add"});
    lines.add(new String[] {"root", "key", "ad"});
    lines.add(new String[] {"targets", "sign", "extra-word", "-r", "x"});
    for (String[] args : lines) {
      assertEquals(execute(true, args), execute(false, args), String.join(" ", args));
    }
  }

  @Test
  void helpUsageErrorsAndVersionAreThoseOfTheWholeTree() {
    List<String[]> lines = new ArrayList<>();
    List<List<String>> paths = new ArrayList<>();
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    HelpTest.collect(Main.commandLine(ctx), new ArrayList<>(), paths);
    for (List<String> p : paths) {
      List<String> help = new ArrayList<>(p);
      help.add("--help");
      lines.add(help.toArray(String[]::new));
      List<String> wrong = new ArrayList<>(p);
      wrong.add("--no-such-option");
      lines.add(wrong.toArray(String[]::new));
    }
    lines.add(new String[] {"--version"});
    lines.add(new String[] {"--help"});
    lines.add(new String[] {});
    lines.add(new String[] {"targets"});
    lines.add(new String[] {"targets", "sgin"});
    lines.add(new String[] {"targts", "sign"});
    lines.add(new String[] {"--home-dir", "/nonexistent", "targets", "sign"});
    lines.add(new String[] {"--verbose", "targets", "sign", "-r"});
    lines.add(new String[] {"--pin-env", "targets", "targets", "--help"});
    lines.add(new String[] {"user-keys", "id"});
    for (String[] args : lines) {
      assertEquals(execute(true, args), execute(false, args), String.join(" ", args));
    }
  }

  /**
   * picocli scans every method of a command class for {@code @Command} unless told not to; we have
   * no method subcommands, so every command says so (a new one without it pays the scan each run).
   */
  @Test
  void noCommandHasItsMethodsScannedForSubcommands() {
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    List<CommandLine> todo = new ArrayList<>(List.of(Main.commandLine(ctx)));
    List<String> scanned = new ArrayList<>();
    int commands = 0;
    while (!todo.isEmpty()) {
      CommandLine c = todo.remove(todo.size() - 1);
      todo.addAll(c.getSubcommands().values());
      commands++;
      if (c.getCommandSpec().isAddMethodSubcommands()) {
        scanned.add(c.getCommandSpec().qualifiedName());
      }
    }
    assertTrue(commands > 50, "walked " + commands + " commands");
    assertEquals(List.of(), scanned);
    assertEquals("true", System.getProperty(Main.NO_CLOSURES));
  }

  @Test
  void noOptionNeedsAConverterThatIsLeftOut() {
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    CommandLine top = Main.commandLine(ctx);
    assertEquals(Main.UNUSED_CONVERTERS, System.getProperty(Main.CONVERTER_EXCLUDES));
    List<String> offending = new ArrayList<>();
    List<CommandLine> todo = new ArrayList<>(List.of(top));
    int args = 0;
    while (!todo.isEmpty()) {
      CommandLine c = todo.remove(todo.size() - 1);
      todo.addAll(c.getSubcommands().values());
      for (CommandLine.Model.ArgSpec a : c.getCommandSpec().args()) {
        args++;
        if (a.converters().length > 0) {
          continue; // its own converter
        }
        List<Class<?>> types = new ArrayList<>(List.of(a.auxiliaryTypes()));
        types.add(a.type());
        for (Class<?> t : types) {
          if (t.getName().matches(Main.UNUSED_CONVERTERS)) {
            offending.add(c.getCommandSpec().qualifiedName() + " " + a + ": " + t.getName());
          }
        }
      }
    }
    assertTrue(args > 100, "walked " + args + " options and parameters");
    assertEquals(List.of(), offending);
    // and picocli honours the switch: an Instant option is refused for want of a converter
    CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create();
    spec.addOption(
        CommandLine.Model.OptionSpec.builder("--at").type(java.time.Instant.class).build());
    CommandLine probe = new CommandLine(spec);
    CommandLine.ParameterException e =
        assertThrows(
            CommandLine.ParameterException.class,
            () -> probe.parseArgs("--at", "2026-01-01T00:00:00Z"));
    assertTrue(e.getMessage().contains("No TypeConverter registered"), e.getMessage());
  }
}
