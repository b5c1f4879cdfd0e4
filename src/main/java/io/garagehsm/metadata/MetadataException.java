package io.garagehsm.metadata;

/**
 * Metadata that cannot be read, written or signed as the compatibility contract requires. The
 * message is one line naming the thing at fault; {@link #hint()} says how to fix it, when known.
 */
public class MetadataException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public MetadataException(String message) {
    this(message, null, null);
  }

  public MetadataException(String message, String hint) {
    this(message, hint, null);
  }

  public MetadataException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** A short instruction that fixes the problem, or null. */
  public String hint() {
    return hint;
  }
}
