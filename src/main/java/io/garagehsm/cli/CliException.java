package io.garagehsm.cli;

/** An error the CLI explains itself, with garage-sign's exit code and an optional hint. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;
  private final String hint;

  public CliException(int exitCode, String message, String hint) {
    this(exitCode, message, hint, null);
  }

  public CliException(int exitCode, String message, String hint, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
    this.hint = hint;
  }

  public int exitCode() {
    return exitCode;
  }

  public String hint() {
    return hint;
  }
}
