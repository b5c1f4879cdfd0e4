package io.garagehsm.signing;

/** A key that cannot be resolved or cannot sign; one actionable line plus an optional hint. */
public class SigningException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public SigningException(String message, String hint) {
    this(message, hint, null);
  }

  public SigningException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }
}
