package io.garagehsm.pkcs11;

/** The CK_TOKEN_INFO flags that decide how (and whether) to log in. */
public record TokenFlags(
    boolean tokenInitialized,
    boolean loginRequired,
    boolean userPinInitialized,
    boolean protectedAuthenticationPath,
    boolean userPinCountLow,
    boolean userPinFinalTry,
    boolean userPinLocked,
    boolean writeProtected) {

  // CK_TOKEN_INFO flag bits (PKCS#11 2.40 §3.2).
  static final long CKF_WRITE_PROTECTED = 0x2L;
  static final long CKF_LOGIN_REQUIRED = 0x4L;
  static final long CKF_USER_PIN_INITIALIZED = 0x8L;
  static final long CKF_PROTECTED_AUTHENTICATION_PATH = 0x100L;
  static final long CKF_TOKEN_INITIALIZED = 0x400L;
  static final long CKF_USER_PIN_COUNT_LOW = 0x10000L;
  static final long CKF_USER_PIN_FINAL_TRY = 0x20000L;
  static final long CKF_USER_PIN_LOCKED = 0x40000L;

  /** Decodes the raw CK_TOKEN_INFO.flags value. */
  public static TokenFlags fromBits(long flags) {
    return new TokenFlags(
        (flags & CKF_TOKEN_INITIALIZED) != 0,
        (flags & CKF_LOGIN_REQUIRED) != 0,
        (flags & CKF_USER_PIN_INITIALIZED) != 0,
        (flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0,
        (flags & CKF_USER_PIN_COUNT_LOW) != 0,
        (flags & CKF_USER_PIN_FINAL_TRY) != 0,
        (flags & CKF_USER_PIN_LOCKED) != 0,
        (flags & CKF_WRITE_PROTECTED) != 0);
  }
}
