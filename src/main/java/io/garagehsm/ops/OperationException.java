package io.garagehsm.ops;

/**
 * A failure a procedure explains itself: the message names the thing, the hint the fix. The {@link
 * Kind} says which class of failure it is; the CLI maps it to garage-sign's exit code.
 */
public class OperationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure, in garage-sign's terms (compat spec §1). */
  public enum Kind {
    /**
     * One garage-sign explains itself (exit 1): root rejected by the server, targets pull
     * validation, Director repository, expiry in the past.
     */
    EXPLAINED,
    /** A push refused because of the role checksum (exit 2): pull, sign again, push. */
    CHECKSUM,
    /** Any other failure (exit 3). */
    FAILED,
    /** An argument of the request is malformed (exit 255, a usage error on the command line). */
    BAD_ARGUMENT
  }

  private final Kind kind;
  private final String hint;

  public OperationException(Kind kind, String message, String hint) {
    this(kind, message, hint, null);
  }

  public OperationException(Kind kind, String message, String hint, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.hint = hint;
  }

  public Kind kind() {
    return kind;
  }

  /** How to fix it, or null. */
  public String hint() {
    return hint;
  }
}
