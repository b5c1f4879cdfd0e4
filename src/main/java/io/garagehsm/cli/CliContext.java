package io.garagehsm.cli;

import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.ops.ceremony.TranscriptRecorder;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.signing.SignatureLog;
import io.garagehsm.signing.SignatureRecord;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenKeys;
import io.garagehsm.signing.TokenSignerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What one CLI invocation runs with: its streams, environment, clock and global options. Commands
 * receive it through their constructor; nothing reads System.* directly.
 */
public final class CliContext implements io.garagehsm.ops.Progress {
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Clock clock;
  private final GlobalOptions global = new GlobalOptions();
  private final TokenPrompter prompter;
  private TokenKeys tokens;
  // what the transcript records: the repository the command works on, the signatures it made
  private final TranscriptRecorder transcript;

  public CliContext(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
    this(out, err, env, clock, TokenPrompter.systemConsole(err));
  }

  public CliContext(
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Clock clock,
      TokenPrompter prompter) {
    this.out = out;
    this.err = err;
    this.env = Map.copyOf(env);
    this.clock = clock;
    this.prompter = prompter;
    this.transcript = new TranscriptRecorder(clock.instant());
  }

  /** Asks keyholders to insert tokens (a terminal, or none). */
  public TokenPrompter prompter() {
    return prompter;
  }

  /** Results only: JSON, key IDs, canonical bytes. */
  public PrintStream out() {
    return out;
  }

  /** Diagnostics, progress and prompts. */
  public PrintStream err() {
    return err;
  }

  public Map<String, String> env() {
    return env;
  }

  public Clock clock() {
    return clock;
  }

  public GlobalOptions global() {
    return global;
  }

  /** A progress or result message for people (stderr). */
  public void info(String message) {
    err.println(TerminalText.escape(message));
  }

  /** A warning (stderr). */
  public void warn(String message) {
    err.println("warning: " + TerminalText.escape(message));
  }

  /** A diagnostic shown only with {@code --verbose} (stderr, prefixed {@code verbose: }). */
  public void verbose(String message) {
    if (global.verbose()) {
      err.println("verbose: " + TerminalText.escape(message));
    }
  }

  public Path home() {
    return global.homeDir();
  }

  /** An initialised repository under the home folder. */
  public Repository repo(String name) {
    Repository r = Repository.open(home(), name);
    verbose("repository " + r.dir());
    transcript.repository(r);
    return r;
  }

  /** {@code <home>/user-keys} or the folder given with {@code --keys-path}. */
  public KeyDirectory userKeys(Path keysPath) {
    return new KeyDirectory(keysPath != null ? keysPath : home().resolve("user-keys"));
  }

  /** Signer for a named key in a key folder, file or token. */
  public Signer signer(KeyDirectory keys, String name) {
    Signer s = keys.signer(name, tokens());
    verbose(
        "key '"
            + name
            + "' ("
            + s.publicKey().describe()
            + ", key ID "
            + s.keyId()
            + ") signs with "
            + s.location());
    return s;
  }

  /** What the procedures of ops run with: this invocation's servers, keys, clock and stderr. */
  public OperationContext operations() {
    return new OperationContext(new Servers(this), new Signers(this), clock, this);
  }

  // classes rather than lambdas on a short command's path: each lambda's first call costs the
  // command its bootstrap

  /** This invocation's client for a repository's server. */
  private static final class Servers implements Function<Repository, TufServerClient> {
    private final CliContext ctx;

    Servers(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public TufServerClient apply(Repository repo) {
      return ServerAccess.client(ctx, repo);
    }
  }

  /** Opens named keys with {@link #signer}. */
  private static final class Signers implements SignerOpener {
    private final CliContext ctx;

    Signers(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Signer open(KeyDirectory keys, String name) {
      return ctx.signer(keys, name);
    }
  }

  /** The host name, asked for only when a transcript line is written. */
  private static final class HostName implements Supplier<String> {
    private final CliContext ctx;

    HostName(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public String get() {
      return ctx.hostName();
    }
  }

  /** Warnings. */
  private static final class Warnings implements Consumer<String> {
    private final CliContext ctx;

    Warnings(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void accept(String message) {
      ctx.warn(message);
    }
  }

  /** Opens token signers through {@link #tokens()}, which is set up only when first needed. */
  public TokenSignerFactory tokenSigners() {
    return (keyUri, expected, keyName) -> tokens().open(keyUri, expected, keyName);
  }

  /** Where this invocation's signatures are collected (made current by {@link Main#run}). */
  SignatureLog signatureLog() {
    return transcript.log();
  }

  /** The signatures this invocation made so far. */
  public List<SignatureRecord> signaturesMade() {
    return transcript.signaturesMade();
  }

  /** What this command adds to the ceremony transcript (a ceremony step marks itself here). */
  public TranscriptRecorder transcript() {
    return transcript;
  }

  /** Remembers the error line reported, for the transcript. */
  void failed(String message) {
    transcript.failed(message);
  }

  /**
   * Appends this command's line to the repository's transcript when it made a signature or was a
   * ceremony step. Never stops the command: a failure to record is a warning.
   */
  int record(String command, List<String> args, int code) {
    // the host name only when a line is written: resolving it costs a run that records nothing
    transcript.record(command, args, code, new HostName(this), new Warnings(this));
    return code;
  }

  /**
   * This machine's host name, for records: the kernel's (what gethostname returns, which is what
   * {@link InetAddress#getLocalHost()} names after it has looked the name up), read from
   * /proc/sys/kernel/hostname on Linux, so no name service is asked: a host whose own name does not
   * resolve would stall the command for the resolver's timeouts. Elsewhere, and when that file is
   * missing or empty, the JDK's look-up as before.
   */
  public String hostName() {
    Optional<String> kernel = kernelHostName(KERNEL_HOST_NAME);
    return kernel.isPresent() ? kernel.get() : resolvedHostName();
  }

  static final Path KERNEL_HOST_NAME = Path.of("/proc/sys/kernel/hostname");

  /** The first line of {@code file}, if it names a host. */
  static Optional<String> kernelHostName(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private String resolvedHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return env.getOrDefault("HOSTNAME", "unknown");
    }
  }

  /** Token access configured from the global options; modules are loaded on first use. */
  public TokenKeys tokens() {
    if (tokens == null) {
      tokens = TokenAccess.open(global, env, this::info);
    }
    return tokens;
  }

  /** Closes what the invocation opened (token sessions, modules). */
  void close() {
    if (tokens != null) {
      try {
        tokens.close();
      } catch (RuntimeException e) {
        warn("closing the token failed: " + e.getMessage());
      }
    }
  }
}
