package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command answers --help with a description. */
class HelpTest {
  @Test
  void everyCommandHasHelp() {
    CliContext ctx =
        new CliContext(System.out, System.err, Map.of(), Cli.at("2026-01-01T00:00:00Z"));
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(ctx), new ArrayList<>(), paths);
    assertTrue(paths.size() > 25, "commands: " + paths.size());
    for (List<String> p : paths) {
      List<String> args = new ArrayList<>(p);
      args.add("--help");
      Cli.Result r = Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), args.toArray(String[]::new));
      assertEquals(0, r.code(), String.join(" ", args));
      assertTrue(r.out().contains("Usage:"), String.join(" ", args));
      for (String stale : new String[] {"not available", "this build", "not implemented", "TODO"}) {
        assertFalse(r.out().contains(stale), String.join(" ", args) + ": " + stale);
      }
    }
    // descriptions that once said less (or other) than the commands do
    assertTrue(help("targets", "add-uploaded").contains("must not set name"));
    assertTrue(help("targets", "sign").contains("only the last"));
    assertTrue(help("targets", "init").contains("with a warning"));
    assertTrue(help("key", "adopt").contains("Needs no PIN"));
    assertTrue(help("key", "generate").contains("roles refuse"));
    assertTrue(help("user-keys", "gen").contains("roles refuse"));
    assertTrue(help("--help").contains("which key"));
    String sign = Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), "targets", "sign", "--help").out();
    assertTrue(sign.contains("token key"), sign);
  }

  static String help(String... words) {
    List<String> args = new ArrayList<>(List.of(words));
    if (!args.contains("--help")) {
      args.add("--help");
    }
    return Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), args.toArray(String[]::new))
        .out()
        .replaceAll("\\s+", " ");
  }

  static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      out.add(p);
      collect(e.getValue(), p, out);
    }
  }
}
