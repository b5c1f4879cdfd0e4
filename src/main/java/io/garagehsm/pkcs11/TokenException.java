package io.garagehsm.pkcs11;

import java.util.Optional;

/**
 * A PKCS#11 failure explained in the user's words: a category the caller can map to an exit code,
 * the CKR name when the module returned one, a one-line message and an optional hint. Messages
 * never contain PINs or key material.
 */
public class TokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is. */
  public enum Category {
    MODULE_NOT_FOUND,
    TOKEN_NOT_FOUND,
    TOKEN_AMBIGUOUS,
    KEY_NOT_FOUND,
    KEY_AMBIGUOUS,
    LABEL_EXISTS,
    PIN_INCORRECT,
    PIN_LOCKED,
    PIN_FINAL_TRY,
    PIN_UNAVAILABLE,
    /** A wrong PIN from this unchanged source already failed on this token: not tried again. */
    PIN_RETRY_REFUSED,
    MECHANISM_UNSUPPORTED,
    /** The chosen backend cannot do this (SunPKCS11 has no EdDSA): another backend can. */
    BACKEND_UNSUPPORTED,
    KEY_TYPE_UNSUPPORTED,
    DEVICE,
    OTHER
  }

  private final Category category;
  private final String ckrName;
  private final String hint;

  public TokenException(Category category, String message) {
    this(category, message, null, null, null);
  }

  public TokenException(
      Category category, String message, String ckrName, String hint, Throwable cause) {
    super(message, cause);
    this.category = category;
    this.ckrName = ckrName;
    this.hint = hint;
  }

  public Category category() {
    return category;
  }

  /** The PKCS#11 return value name, e.g. {@code CKR_PIN_INCORRECT}, when the module gave one. */
  public Optional<String> ckrName() {
    return Optional.ofNullable(ckrName);
  }

  /** A known fix, printed by the CLI on a {@code hint:} line. */
  public Optional<String> hint() {
    return Optional.ofNullable(hint);
  }
}
