package io.garagehsm.server;

import java.util.List;

/**
 * A reposerver or director call that failed: no answer at all ({@link #status()} 0) or an error
 * answer. The message is one line naming the call; {@link #reasons()} holds the server's nested
 * cause messages (e.g. why a root was rejected) and {@link #hint()} says what to do next.
 */
public class ServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String code;
  private final List<String> reasons;
  private final String hint;

  public ServerException(
      String message, int status, String code, List<String> reasons, String hint, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.reasons = List.copyOf(reasons);
    this.hint = hint;
  }

  /** HTTP status, or 0 when no answer arrived (connection error, timeout). */
  public int status() {
    return status;
  }

  /** The error body's {@code code}, e.g. {@code role_checksum_mismatch}, or null. */
  public String code() {
    return code;
  }

  /** The server's reasons (nested {@code cause} messages), possibly empty. */
  public List<String> reasons() {
    return reasons;
  }

  /** What to do next, or null. */
  public String hint() {
    return hint;
  }

  /** True when no HTTP answer arrived, so the server may or may not have acted. */
  public boolean noAnswer() {
    return status == 0;
  }

  /** True for the given status and (if non-null) error code. */
  public boolean is(int status, String code) {
    return this.status == status && (code == null || code.equals(this.code));
  }
}
