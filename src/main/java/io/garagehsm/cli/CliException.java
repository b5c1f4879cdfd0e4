package io.garagehsm.cli;

import io.garagehsm.ops.OperationException;

/** An error the CLI explains itself, with garage-sign's exit code and an optional hint. */
public class CliException extends OperationException {
  private static final long serialVersionUID = 1L;

  public CliException(int exitCode, String message, String hint) {
    this(exitCode, message, hint, null);
  }

  public CliException(int exitCode, String message, String hint, Throwable cause) {
    super(kindOf(exitCode), message, hint, cause);
  }

  public int exitCode() {
    return ExitCodes.of(kind());
  }

  private static Kind kindOf(int exitCode) {
    return switch (exitCode) {
      case ExitCodes.EXPLAINED -> Kind.EXPLAINED;
      case ExitCodes.CHECKSUM -> Kind.CHECKSUM;
      case ExitCodes.USAGE -> Kind.BAD_ARGUMENT;
      default -> Kind.FAILED;
    };
  }
}
