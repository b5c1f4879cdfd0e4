package io.garagehsm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How {@code --help} reads: the command's own options first, the global options (the {@link
 * GlobalOptions} mixin, inherited by every command) in their own section, then examples from {@code
 * help-examples.properties} (keyed by the command words, e.g. {@code targets.push}). PIN options
 * appear only on commands that may log in to a token. Done on the picocli model once the tree is
 * built, so command classes need not change.
 */
final class HelpSections {
  static final String GLOBAL_OPTIONS = "globalOptions";
  static final String EXAMPLES = "examples";
  static final String RESOURCE = "help-examples.properties";

  /** The options that choose or spend a PIN. */
  static final Set<String> PIN_OPTIONS =
      Set.of("--pin-file", "--pin-env", "--allow-final-pin-try", "--retry-pin");

  /**
   * The commands that may log in to a token (they sign, generate, adopt, or check with --login);
   * every other command never logs in, and its help shows no PIN options.
   */
  static final Set<String> LOGS_IN =
      Set.of(
          "key generate",
          "key adopt",
          "user-keys gen",
          "user-keys adopt",
          "targets sign",
          "root sign",
          "delegations sign",
          "sign-json",
          "move-offline",
          "ceremony sign",
          "ceremony close",
          "doctor");

  /** Read when help is rendered, not on every run (a resource read in a short command). */
  private static final class Examples {
    static final Properties TEXT = load();
  }

  private HelpSections() {}

  /** Installs the sections on every command of the tree. */
  static void install(CommandLine root) {
    Set<String> globalNames = new LinkedHashSet<>();
    for (OptionSpec o : root.getCommandSpec().mixins().get("global").options()) {
      globalNames.add(o.longestName());
    }
    root.setHelpFactory(new GroupedHelp.Factory());
    walk(root, globalNames);
    // section order, set once: picocli hands it down to every subcommand
    List<String> keys = new ArrayList<>(root.getHelpSectionKeys());
    // own options, subcommands, global options, examples, footer
    int footer = keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING);
    keys.addAll(footer < 0 ? keys.size() : footer, List.of(GLOBAL_OPTIONS, EXAMPLES));
    root.setHelpSectionKeys(keys);
  }

  private static void walk(CommandLine cl, Set<String> globalNames) {
    Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING,
        new Section(Section.OWN_HEADING, globalNames));
    sections.put(
        CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
        new Section(Section.OWN, globalNames));
    sections.put(GLOBAL_OPTIONS, new Section(Section.GLOBAL, globalNames));
    sections.put(EXAMPLES, new Section(Section.EXAMPLES, globalNames));
    for (CommandLine sub : cl.getSubcommands().values()) {
      walk(sub, globalNames);
    }
  }

  /**
   * One of the sections above. A class rather than four lambdas per command: a lambda's first use
   * links an invokedynamic call site, work every run paid although only --help renders a section.
   */
  private static final class Section implements CommandLine.IHelpSectionRenderer {
    static final int OWN_HEADING = 0;
    static final int OWN = 1;
    static final int GLOBAL = 2;
    static final int EXAMPLES = 3;

    private final int kind;
    private final Set<String> globalNames;

    Section(int kind, Set<String> globalNames) {
      this.kind = kind;
      this.globalNames = globalNames;
    }

    @Override
    public String render(Help help) {
      switch (kind) {
        case OWN_HEADING:
          return own(help.commandSpec(), globalNames).isEmpty() ? "" : "Options:%n".formatted();
        case OWN:
          return help.optionListExcludingGroups(own(help.commandSpec(), globalNames));
        case GLOBAL:
          List<OptionSpec> global = global(help.commandSpec(), globalNames);
          return global.isEmpty()
              ? ""
              : "Global options (before or after the command words):%n".formatted()
                  + help.optionListExcludingGroups(global);
        default:
          return examples(words(help.commandSpec()));
      }
    }
  }

  /** {@code targets push} for that command; empty for the top command. */
  static String words(CommandSpec spec) {
    String q = spec.qualifiedName();
    int space = q.indexOf(' ');
    return space < 0 ? "" : q.substring(space + 1);
  }

  static List<OptionSpec> own(CommandSpec spec, Set<String> globalNames) {
    return spec.options().stream()
        .filter(o -> shown(spec, o) && !globalNames.contains(o.longestName()))
        .toList();
  }

  static List<OptionSpec> global(CommandSpec spec, Set<String> globalNames) {
    return spec.options().stream()
        .filter(o -> shown(spec, o) && globalNames.contains(o.longestName()))
        .toList();
  }

  /**
   * Whether help shows an option: not hidden, and a PIN option only where the command may log in.
   * Elsewhere PIN options are still accepted (and change nothing), so scripts that pass the same
   * options to every command keep working.
   */
  static boolean shown(CommandSpec spec, OptionSpec o) {
    if (o.hidden()) {
      return false;
    }
    String words = words(spec);
    return words.isEmpty() || LOGS_IN.contains(words) || !PIN_OPTIONS.contains(o.longestName());
  }

  /** The examples of a command, or null when it has none. */
  static String exampleText(String words) {
    return Examples.TEXT.getProperty(words.isEmpty() ? "garage-hsm" : words.replace(' ', '.'));
  }

  private static String examples(String words) {
    String text = exampleText(words);
    if (text == null || text.isBlank()) {
      return "";
    }
    StringBuilder b = new StringBuilder("Examples:%n".formatted());
    for (String line : text.strip().split("\n")) {
      b.append("  ").append(line.strip()).append(System.lineSeparator());
    }
    return b.toString();
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = HelpSections.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the jar");
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
    return p;
  }

  /** Help whose synopsis lists the command's own options and then {@code [global options]}. */
  static final class GroupedHelp extends Help {
    /** A class, not {@code GroupedHelp::new}: see {@link Section}. */
    static final class Factory implements CommandLine.IHelpFactory {
      @Override
      public Help create(CommandSpec spec, Help.ColorScheme scheme) {
        return new GroupedHelp(spec, scheme);
      }
    }

    GroupedHelp(CommandSpec spec, Help.ColorScheme scheme) {
      super(spec, scheme);
    }

    @Override
    public String detailedSynopsis(
        int synopsisHeadingLength, Comparator<OptionSpec> optionSort, boolean clusterBoolean) {
      Set<ArgSpec> done = new LinkedHashSet<>();
      Help.Ansi.Text groups = createDetailedSynopsisGroupsText(done);
      List<OptionSpec> own = new ArrayList<>();
      boolean anyGlobal = false;
      for (OptionSpec o : commandSpec().options()) {
        if (o.inherited() || isGlobalOfRoot(o)) {
          anyGlobal |= shown(commandSpec(), o);
        } else {
          own.add(o);
        }
      }
      Help.Ansi.Text options =
          createDetailedSynopsisOptionsText(done, own, optionSort, clusterBoolean);
      if (anyGlobal) {
        options = options.concat(" [<global-options>]");
      }
      return makeSynopsisFromParts(
          synopsisHeadingLength,
          options,
          groups,
          createDetailedSynopsisEndOfOptionsText(),
          createDetailedSynopsisPositionalsText(done),
          createDetailedSynopsisCommandText());
    }

    private boolean isGlobalOfRoot(OptionSpec o) {
      CommandSpec global = commandSpec().mixins().get("global");
      return global != null && global.options().contains(o);
    }
  }
}
