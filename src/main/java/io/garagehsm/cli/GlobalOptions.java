package io.garagehsm.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the command words (garage-sign accepts them only
 * after; both work here). Token options apply wherever a key name may denote a token key.
 */
public final class GlobalOptions {
  @Option(
      names = "--help",
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show help for this command and exit.")
  boolean help;

  @Option(
      names = {"-h", "--home-dir"},
      scope = ScopeType.INHERIT,
      paramLabel = "<dir>",
      description = "Home folder holding repositories and user-keys/ (default: ./tuf).")
  Path homeDir;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description =
          "Diagnostics on stderr: the repository folder, the server and its auth, and which key"
              + " file or token URI signs, with its key ID.")
  boolean verbose;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean debug;

  @Option(
      names = "--pin-file",
      scope = ScopeType.INHERIT,
      paramLabel = "<file>",
      description = "Read the token user PIN from this file (first line).")
  Path pinFile;

  @Option(
      names = "--pin-env",
      scope = ScopeType.INHERIT,
      paramLabel = "<VAR>",
      description = "Read the token user PIN from this environment variable.")
  String pinEnv;

  @Option(
      names = "--module",
      scope = ScopeType.INHERIT,
      paramLabel = "<lib.so>",
      description = "PKCS#11 module to load when the key URI names none.")
  Path module;

  @Option(
      names = "--backend",
      scope = ScopeType.INHERIT,
      paramLabel = "iaik|sunpkcs11",
      description = "PKCS#11 backend (default: iaik). sunpkcs11 signs RSA only.")
  String backend;

  @Option(
      names = "--allow-final-pin-try",
      scope = ScopeType.INHERIT,
      description = "Log in even when the token says one wrong PIN more locks it.")
  boolean allowFinalPinTry;

  @Option(
      names = "--max-sessions",
      scope = ScopeType.INHERIT,
      paramLabel = "<n>",
      description =
          "Most PKCS#11 sessions to open on one token at once (default 4, never more than the"
              + " token allows); lower it for tokens whose sessions are shared and scarce"
              + " (YubiHSM 2: 16 for all clients).")
  Integer maxSessions;

  @Option(
      names = "--retry-pin",
      scope = ScopeType.INHERIT,
      description =
          "Try a PIN source once more although its last login to the token failed and the source"
              + " (file and its modification time, or variable name) has not changed.")
  boolean retryPin;

  public Path homeDir() {
    return homeDir != null ? homeDir : Path.of("tuf");
  }

  public boolean verbose() {
    return verbose;
  }

  public boolean debug() {
    return debug;
  }

  public Path pinFile() {
    return pinFile;
  }

  public String pinEnv() {
    return pinEnv;
  }

  public Path module() {
    return module;
  }

  public String backend() {
    return backend;
  }

  public boolean retryPin() {
    return retryPin;
  }

  public boolean allowFinalPinTry() {
    return allowFinalPinTry;
  }

  /** {@code --max-sessions}, or 0 for the default. */
  public int maxSessions() {
    if (maxSessions == null) {
      return 0;
    }
    if (maxSessions < 1) {
      throw new CliException(
          ExitCodes.USAGE, "--max-sessions must be at least 1, not " + maxSessions, null);
    }
    return maxSessions;
  }
}
