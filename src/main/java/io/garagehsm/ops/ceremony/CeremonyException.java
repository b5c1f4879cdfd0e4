package io.garagehsm.ops.ceremony;

/** A ceremony step that cannot go on: one line naming the thing, plus an optional fix. */
public class CeremonyException extends io.garagehsm.ops.OperationException {
  private static final long serialVersionUID = 1L;

  public CeremonyException(String message, String hint) {
    super(Kind.FAILED, message, hint);
  }
}
