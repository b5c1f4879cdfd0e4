package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    }
    String sign = Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), "targets", "sign", "--help").out();
    assertTrue(sign.contains("token key"), sign);
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
