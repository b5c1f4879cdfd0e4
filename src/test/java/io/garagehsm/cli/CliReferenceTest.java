package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The build step behind the man pages and completion covers every command and option. */
class CliReferenceTest {
  @TempDir Path out;

  @Test
  void oneManPagePerVisibleCommandNamingEachOptionAndCompletionForEveryName() throws IOException {
    Files.createDirectories(out.resolve("adoc"));
    Files.writeString(out.resolve("adoc/garage-hsm-removed-command.adoc"), "stale");
    CliReference.write(out);

    CommandLine cl = commandLine();
    List<CommandLine> visible = new ArrayList<>();
    collect(cl, visible);
    TreeSet<String> expected = new TreeSet<>();
    for (CommandLine c : visible) {
      expected.add(c.getCommandSpec().qualifiedName("-") + ".adoc");
    }
    TreeSet<String> written = new TreeSet<>();
    try (Stream<Path> files = Files.list(out.resolve("adoc"))) {
      files.forEach(f -> written.add(f.getFileName().toString()));
    }
    assertEquals(expected, written, "one page per visible command, nothing stale");

    for (CommandLine c : visible) {
      String page =
          Files.readString(out.resolve("adoc/" + c.getCommandSpec().qualifiedName("-") + ".adoc"));
      for (OptionSpec o : c.getCommandSpec().options()) {
        if (!o.hidden()) {
          assertTrue(page.contains(o.longestName()), c.getCommandName() + ": " + o.longestName());
        }
      }
    }

    String bash = Files.readString(out.resolve("completion/bash/garage-hsm"));
    for (CommandLine c : cl.getSubcommands().values()) {
      if (!c.getCommandSpec().usageMessage().hidden()) {
        assertTrue(bash.contains(c.getCommandName()), c.getCommandName());
      }
    }
    assertTrue(
        bash.contains("complete -F _complete_garage-hsm -o default garage-sign uptane-sign"), bash);
    String zsh = Files.readString(out.resolve("completion/zsh/_garage-hsm"));
    assertTrue(zsh.startsWith("#compdef garage-hsm garage-sign uptane-sign\n"), zsh);
    assertTrue(zsh.contains("bashcompinit") && zsh.contains("function _complete_garage-hsm()"));
    // the bash functions as they are, without picocli's set-up that changes the user's shell
    assertTrue(
        zsh.contains(
            bash.substring(bash.indexOf("function _picocli_garage-hsm()"))
                .replaceAll("(?m)^(complete |# garage-hsm also answers ).*\n", "")),
        "zsh runs the same functions as bash");
    assertFalse(zsh.contains("COMPLETE_ALIASES") || zsh.contains("alias compopt"), zsh);
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    if (c.getCommandSpec().usageMessage().hidden()) {
      return;
    }
    into.add(c);
    // picocli registers aliases under extra keys: one entry per command object
    c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
  }

  private static CommandLine commandLine() {
    PrintStream nowhere =
        new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    return Main.commandLine(
        new CliContext(nowhere, nowhere, Map.of(), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)));
  }
}
