package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --help} reads well: the command's own options first, the global options in their own
 * section, examples for every command, and PIN options only where a command may log in.
 */
class HelpLayoutTest {
  static String help(String... words) {
    List<String> args = new ArrayList<>(List.of(words));
    args.add("--help");
    Cli.Result r = Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), args.toArray(String[]::new));
    assertEquals(0, r.code(), String.join(" ", args));
    return r.out();
  }

  @Test
  void targetsPushShowsItsOwnOptionsFirstAndTheGlobalOnesApart() {
    String h = help("targets", "push");
    List<String> lines = h.lines().toList();
    assertTrue(lines.get(0).startsWith("Usage: garage-hsm targets push "), h);
    assertTrue(lines.get(0).contains(" -r=<name> "), h);
    assertTrue(lines.get(0).contains("[<global-options>]"), h);
    assertFalse(lines.get(0).contains("--verbose"), "no global option in the synopsis: " + h);
    int own = lines.indexOf("Options:");
    int global = lines.indexOf("Global options (before or after the command words):");
    int examples = lines.indexOf("Examples:");
    assertTrue(own > 0 && global > own && examples > global, h);
    String ownPart = String.join("\n", lines.subList(own, global));
    String globalPart = String.join("\n", lines.subList(global, examples));
    assertTrue(ownPart.contains("-r, --repo=<name>"), ownPart);
    for (String g : List.of("--verbose", "--debug", "--home-dir", "--module", "--help")) {
      assertFalse(ownPart.contains(g), g + " among the own options: " + ownPart);
      assertTrue(globalPart.contains(g), g + " missing from the global options: " + globalPart);
    }
    // targets push never logs in: no PIN options at all
    for (String p : HelpSections.PIN_OPTIONS) {
      assertFalse(h.contains(p), p + ": " + h);
    }
    assertTrue(h.contains("garage-hsm targets push -r myrepo"), h);
  }

  @Test
  void pinOptionsOnlyWhereACommandMayLogIn() {
    String list = help("tokens", "list");
    assertFalse(list.contains("--pin-file"), list);
    assertFalse(list.contains("--pin-env"), list);
    assertTrue(list.contains("--module"), list);
    String sign = help("targets", "sign");
    for (String p : HelpSections.PIN_OPTIONS) {
      assertTrue(sign.contains(p), p + ": " + sign);
    }
    assertTrue(help("doctor").contains("--pin-file"));
    // scripts passing the same PIN options to every command keep working: accepted, not shown
    Main.commandLine(ctx()).parseArgs("tokens", "list", "--pin-file", "/x", "--retry-pin");
    // every command named as logging in exists
    CommandLine root = Main.commandLine(ctx());
    for (String words : HelpSections.LOGS_IN) {
      CommandLine c = root;
      for (String w : words.split(" ")) {
        c = c.getSubcommands().get(w);
        assertNotNull(c, words);
      }
      assertTrue(c.getCommandSpec().findOption("--pin-file") != null, words);
    }
  }

  @Test
  void everyCommandHasExamplesThatNameItself() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(ctx()), all);
    assertTrue(all.size() > 50, "commands: " + all.size());
    for (CommandLine c : all) {
      String words = HelpSections.words(c.getCommandSpec());
      String text = HelpSections.exampleText(words);
      assertNotNull(text, "no examples for '" + words + "' in " + HelpSections.RESOURCE);
      String invocation = ("garage-hsm " + words).strip();
      assertTrue(text.lines().anyMatch(l -> l.strip().startsWith(invocation)), words + ": " + text);
      String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertTrue(usage.contains("Examples:\n  "), words + ":\n" + usage);
    }
  }

  /** Each example command line parses: its command words and options exist. */
  @Test
  void everyExampleParses() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(ctx()), all);
    List<String> wrong = new ArrayList<>();
    for (CommandLine c : all) {
      String text = HelpSections.exampleText(HelpSections.words(c.getCommandSpec()));
      for (String line : text.lines().map(String::strip).toList()) {
        if (line.startsWith("#")) {
          continue;
        }
        for (String command : line.split(" && ")) {
          List<String> args = words(command.split(" > ")[0]);
          assertEquals("garage-hsm", args.get(0), line);
          try {
            Main.commandLine(ctx()).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
          } catch (CommandLine.ParameterException e) {
            wrong.add(line + ": " + e.getMessage());
          }
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  /** Splits a shell line on blanks, keeping 'single-quoted' words whole. */
  private static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean quoted = false;
    for (char ch : line.strip().toCharArray()) {
      if (ch == '\'') {
        quoted = !quoted;
      } else if (ch == ' ' && !quoted) {
        if (w.length() > 0) {
          out.add(w.toString());
          w.setLength(0);
        }
      } else {
        w.append(ch);
      }
    }
    if (w.length() > 0) {
      out.add(w.toString());
    }
    return out;
  }

  private static CliContext ctx() {
    return new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
  }

  private static void collect(CommandLine cl, List<CommandLine> out) {
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      collect(sub, out);
    }
  }
}
