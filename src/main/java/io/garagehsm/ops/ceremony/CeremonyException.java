package io.garagehsm.ops.ceremony;

/** A ceremony step that cannot go on: one line naming the thing, plus an optional fix. */
public class CeremonyException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public CeremonyException(String message, String hint) {
    super(message);
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }
}
