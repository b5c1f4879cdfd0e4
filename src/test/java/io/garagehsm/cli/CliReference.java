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
 * troff with Asciidoctor's manpage backend), {@code OUT/completion/bash/garage-hsm} and {@code
 * OUT/completion/zsh/garage-hsm.zsh} (picocli's AutoComplete).
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

    String bash = bashCompletion(cl);
    Path bashFile = Files.createDirectories(out.resolve("completion/bash")).resolve(NAMES[0]);
    Files.writeString(bashFile, bash, StandardCharsets.UTF_8);
    Path zshFile =
        Files.createDirectories(out.resolve("completion/zsh")).resolve(NAMES[0] + ".zsh");
    Files.writeString(zshFile, zshCompletion(bash), StandardCharsets.UTF_8);
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

  /** picocli's bash script, also registered for the garage-sign / uptane-sign links. */
  static String bashCompletion(CommandLine cl) {
    String script = AutoComplete.bash(NAMES[0], cl);
    String function = "_complete_" + NAMES[0];
    if (!script.contains("function " + function + "()")) {
      throw new IllegalStateException("picocli's completion script has no " + function);
    }
    StringBuilder sb = new StringBuilder(script);
    if (!script.endsWith("\n")) {
      sb.append('\n');
    }
    sb.append(
        "# garage-hsm also answers as garage-sign and uptane-sign (symlinks to the launcher)\n");
    sb.append("complete -F ").append(function).append(" -o default");
    for (int i = 1; i < NAMES.length; i++) {
      sb.append(' ').append(NAMES[i]);
    }
    return sb.append('\n').toString();
  }

  /** zsh runs picocli's bash script through bashcompinit; source this file from ~/.zshrc. */
  static String zshCompletion(String bash) {
    return "# garage-hsm completion for zsh: add  source /path/to/garage-hsm.zsh  to ~/.zshrc\n"
        + "autoload -U +X compinit && compinit\n"
        + "autoload -U +X bashcompinit && bashcompinit\n"
        + bash;
  }
}
