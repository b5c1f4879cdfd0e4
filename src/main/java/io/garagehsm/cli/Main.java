package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.signing.CryptoPreload;
import io.garagehsm.signing.SignatureLog;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Entry point: {@link #run} parses, executes and maps every outcome to garage-sign's exit codes.
 * Results go to {@code out}; diagnostics to {@code err}, one line per error plus a {@code hint:}
 * line when a fix is known; stack traces only with {@code --debug}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (mayUseCrypto(args)) {
      CryptoPreload.start(); // on the second core while the command tree is built
      ArchiveTraining.preloadStarted(); // the build's class-list runs: the set-up alone, first
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    int code = run(out, err, System.getenv(), Clock.systemUTC(), args);
    ArchiveTraining.loadIfRecording(); // the launcher's first run: the archive serves every command
    System.exit(code);
  }

  /** Not for help and version output, which need no provider. */
  private static boolean mayUseCrypto(String[] args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("help")) {
        return false;
      }
    }
    return args.length > 0;
  }

  /** Runs one invocation. */
  public static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return run(out, err, env, Clock.systemUTC(), args);
  }

  /** Runs one invocation with an injected clock (tests freeze time). */
  public static int run(
      PrintStream out, PrintStream err, Map<String, String> env, Clock clock, String... args) {
    return run(out, err, env, clock, TokenPrompter.systemConsole(err), args);
  }

  /** Runs one invocation with an injected clock and terminal (tests drive token prompts). */
  public static int run(
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Clock clock,
      TokenPrompter prompter,
      String... args) {
    CliContext ctx = new CliContext(out, err, env, clock, prompter);
    CommandLine cl = commandLine(ctx, args);
    try {
      int code = SignatureLog.recording(ctx.signatureLog(), () -> cl.execute(args));
      return ctx.record(commandWords(cl), List.of(args), code);
    } catch (OutOfMemoryError e) {
      // inputs are bounded; this is a last resort for a heap too small for the work
      ctx.err().println("error: out of memory (the Java heap is exhausted)");
      ctx.err()
          .println(
              "hint: give the JVM more heap, e.g. GARAGE_HSM_JAVA_OPTS=-Xmx4g for the launcher");
      return ExitCodes.OTHER;
    } finally {
      ctx.close();
      out.flush();
      err.flush();
    }
  }

  /** {@code root sign} for the command that ran; empty when parsing failed. */
  private static String commandWords(CommandLine cl) {
    CommandLine.ParseResult pr = cl.getParseResult();
    List<String> words = new ArrayList<>();
    while (pr != null && pr.hasSubcommand()) {
      pr = pr.subcommand();
      words.add(pr.commandSpec().name());
    }
    return String.join(" ", words);
  }

  /** picocli's switch for its built-in converters (comma-separated regular expressions). */
  static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

  /**
   * Converters for types no option has (CommandTreeTest checks): picocli looks them up by
   * reflection in every new interpreter, and java.time's class initialisation alone costs a short
   * command about a tenth of its run.
   */
  static final String UNUSED_CONVERTERS = "java\\.(sql|time)\\..*";

  /**
   * picocli's switch for Groovy closures in annotations, which we have none of: without it, its
   * factory's class initialisation looks for groovy.lang.Closure on the class path and pays for the
   * ClassNotFoundException on every run.
   */
  static final String NO_CLOSURES = "picocli.disable.closures";

  /** The whole command tree bound to one context (also used to render help in tests). */
  static CommandLine commandLine(CliContext ctx) {
    return commandLine(ctx, null);
  }

  /** The command tree a command line needs (only the branch it names; null: all). */
  static CommandLine commandLine(CliContext ctx, String[] commandLine) {
    return commandLine(ctx, commandLine, true);
  }

  /**
   * The command tree a command line needs, its model generated at build time ({@link CommandModel})
   * or, with {@code generatedModel} false, read by picocli's reflection (the reference that tests
   * compare the generated model with).
   */
  static CommandLine commandLine(CliContext ctx, String[] commandLine, boolean generatedModel) {
    if (System.getProperty(CONVERTER_EXCLUDES) == null) {
      System.setProperty(CONVERTER_EXCLUDES, UNUSED_CONVERTERS);
    }
    if (System.getProperty(NO_CLOSURES) == null) {
      System.setProperty(NO_CLOSURES, "true");
    }
    Factory factory = new Factory(ctx);
    CommandLine cl =
        new CommandLine(
            CommandModel.of(new GarageHsmCommand(ctx), factory, generatedModel), factory);
    CommandTree.addSubcommands(cl, commandLine, generatedModel);
    cl.setOut(new java.io.PrintWriter(ctx.out(), true));
    cl.setErr(new java.io.PrintWriter(ctx.err(), true));
    cl.setCaseInsensitiveEnumValuesAllowed(false);
    Handlers handlers = new Handlers(ctx);
    cl.setParameterExceptionHandler(handlers);
    cl.setExecutionExceptionHandler(handlers);
    HelpSections.install(cl);
    return cl;
  }

  /**
   * Usage errors: one line and a hint; errors of a command: {@link ErrorReport}. A class rather
   * than two lambdas, whose invokedynamic call sites every run linked (HelpSections has the same).
   */
  private static final class Handlers
      implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private final CliContext ctx;

    Handlers(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
      ctx.err().println("error: " + TerminalText.escape(ex.getMessage()));
      ctx.err()
          .println(
              "hint: see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
      return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(
        Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
      return ErrorReport.report(ctx, ex);
    }
  }

  /** Creates commands with the invocation's context when they take one. */
  private static final class Factory implements CommandLine.IFactory {
    private final CliContext ctx;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    Factory(CliContext ctx) {
      this.ctx = ctx;
    }

    /**
     * Looks the constructor up among the declared ones rather than asking for it: mixins, the
     * version provider and converters have none, and the NoSuchMethodException (its message built
     * from the parameter types) cost a short command a few milliseconds.
     */
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      for (Constructor<?> c : cls.getDeclaredConstructors()) {
        if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == CliContext.class) {
          c.setAccessible(true);
          return cls.cast(c.newInstance(ctx));
        }
      }
      return fallback.create(cls);
    }
  }
}
