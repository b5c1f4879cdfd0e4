package io.garagehsm.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step, not a test (the pom runs it in prepare-package): writes the man pages and the shell
 * completion from the same picocli command model that prints {@code --help}, so they cannot drift
 * from it. Lives in test sources so that picocli-codegen stays out of the shipped jar.
 *
 * <pre>CliReference OUT</pre>
 *
 * writes {@code OUT/adoc/*.adoc} (picocli-codegen's ManPageGenerator; the build converts them to
 * troff with Asciidoctor's manpage backend), {@code OUT/completion/bash/garage-hsm} (picocli's
 * AutoComplete) and {@code OUT/completion/zsh/_garage-hsm} (the same bash functions, run by zsh's
 * bashcompinit).
 */
public final class CliReference {
  /** The names the launcher answers to: garage-sign's scripts complete the same way. */
  static final String[] NAMES = {"garage-hsm", "garage-sign", "uptane-sign"};

  private CliReference() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CliReference OUT-DIR");
    }
    write(Path.of(args[0]));
  }

  static void write(Path out) throws IOException {
    deleteTree(out); // a page of a removed command must not linger into the archive
    PrintStream nowhere =
        new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    CliContext ctx =
        new CliContext(nowhere, nowhere, Map.of(), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    CommandLine cl = Main.commandLine(ctx);

    Path adoc = Files.createDirectories(out.resolve("adoc"));
    int rc =
        ManPageGenerator.generateManPage(
            adoc.toFile(), null, new boolean[0], true, cl.getCommandSpec());
    if (rc != 0) {
      throw new IOException("ManPageGenerator failed with exit code " + rc);
    }

    String picocli = AutoComplete.bash(NAMES[0], cl);
    Path bashFile = Files.createDirectories(out.resolve("completion/bash")).resolve(NAMES[0]);
    Files.writeString(bashFile, bashCompletion(picocli), StandardCharsets.UTF_8);
    Path zshFile = Files.createDirectories(out.resolve("completion/zsh")).resolve("_" + NAMES[0]);
    Files.writeString(zshFile, zshCompletion(picocli), StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static final String FUNCTION = "_complete_" + NAMES[0];

  /** picocli's bash script, also registered for the garage-sign / uptane-sign links. */
  static String bashCompletion(String picocli) {
    if (!picocli.contains("function " + FUNCTION + "()")) {
      throw new IllegalStateException("picocli's completion script has no " + FUNCTION);
    }
    StringBuilder sb = new StringBuilder(picocli);
    if (!picocli.endsWith("\n")) {
      sb.append('\n');
    }
    sb.append(
        "# garage-hsm also answers as garage-sign and uptane-sign (symlinks to the launcher)\n");
    sb.append("complete -F ").append(FUNCTION).append(" -o default");
    for (int i = 1; i < NAMES.length; i++) {
      sb.append(' ').append(NAMES[i]);
    }
    return sb.append('\n').toString();
  }

  /** Where picocli's script sets up the shell it finds itself in (bash or zsh). */
  private static final Pattern SHELL_SETUP =
      Pattern.compile("(?ms)^if \\[ -n \"\\$BASH_VERSION\" \\]; then$.*?^fi$\n");

  /**
   * A zsh completion function file ({@code #compdef}, for a folder on {@code $fpath} such as
   * Debian's /usr/share/zsh/vendor-completions; sourcing it after compinit works too): picocli's
   * bash functions, run by zsh's own bashcompinit. picocli's zsh set-up is left out because it
   * changes the user's shell (setopt COMPLETE_ALIASES, a global alias compopt=complete that turns
   * each compopt call into a stray compdef, and compinit), and so are its complete lines for
   * garage-hsm.sh / garage-hsm.bash.
   */
  static String zshCompletion(String picocli) {
    if (!picocli.contains("function " + FUNCTION + "()")) {
      throw new IllegalStateException("picocli's completion script has no " + FUNCTION);
    }
    Matcher setup = SHELL_SETUP.matcher(picocli);
    if (!setup.find()) {
      throw new IllegalStateException("picocli's completion script has no shell set-up block");
    }
    String functions =
        setup
            .replaceFirst("")
            .lines()
            .filter(l -> !l.startsWith("complete ") && !l.startsWith("#!"))
            .collect(Collectors.joining("\n", "", "\n"));
    String names = String.join(" ", NAMES);
    String register = "-F " + FUNCTION + " -o default";
    return "#compdef "
        + names
        + "\n"
        + "# zsh completion for garage-hsm (also as garage-sign and uptane-sign), generated\n"
        + "# from the picocli command model that prints --help: picocli's bash completion\n"
        + "# functions, run by zsh's bashcompinit.\n"
        + "# Install: put this file (named _garage-hsm) in a folder on $fpath before compinit\n"
        + "# runs (Debian's zsh reads /usr/share/zsh/vendor-completions), or source it after\n"
        + "# compinit in ~/.zshrc.\n"
        + "autoload -U +X bashcompinit && bashcompinit\n"
        + functions
        + "complete "
        + register
        + " "
        + names
        + "\n"
        + "# Autoloaded from $fpath for the first completion: complete it too (complete above\n"
        + "# has sent the later ones straight to _bash_complete).\n"
        + "if [[ ${funcstack[1]-} = _"
        + NAMES[0]
        + " ]]; then\n"
        + "  _bash_complete "
        + register
        + "\n"
        + "fi\n";
  }
}
