package io.garagehsm.repo;

/** A repository on disk that cannot be used as asked; one line plus an optional hint. */
public class RepoException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public RepoException(String message, String hint) {
    this(message, hint, null);
  }

  public RepoException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }
}
