package io.garagehsm.pkcs11;

import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;

/** Turns PKCS#11 return values into categorised {@link TokenException}s. */
final class Pkcs11Errors {
  private Pkcs11Errors() {}

  static String ckrName(long code) {
    String name = PKCS11Constants.codeToName(PKCS11Constants.Category.CKR, code);
    return name == null ? String.format("CKR_0x%08X", code) : name;
  }

  static TokenException translate(PKCS11Exception e, String doing) {
    return translate(e.getErrorCode(), doing, e);
  }

  static TokenException translate(long code, String doing, Throwable cause) {
    String name = ckrName(code);
    TokenException.Category category;
    String hint = null;
    switch (name) {
      case "CKR_PIN_INCORRECT", "CKR_PIN_INVALID", "CKR_PIN_LEN_RANGE" -> {
        category = TokenException.Category.PIN_INCORRECT;
        hint = "check the PIN source (--pin-file, --pin-env, pin-source, GARAGE_HSM_PIN)";
      }
      case "CKR_PIN_LOCKED" -> {
        category = TokenException.Category.PIN_LOCKED;
        hint = PIN_LOCKED_HINT;
      }
      case "CKR_MECHANISM_INVALID", "CKR_MECHANISM_PARAM_INVALID" ->
          category = TokenException.Category.MECHANISM_UNSUPPORTED;
      case "CKR_KEY_TYPE_INCONSISTENT", "CKR_KEY_FUNCTION_NOT_PERMITTED" ->
          category = TokenException.Category.KEY_TYPE_UNSUPPORTED;
      case "CKR_DEVICE_ERROR",
              "CKR_DEVICE_MEMORY",
              "CKR_DEVICE_REMOVED",
              "CKR_TOKEN_NOT_PRESENT",
              "CKR_TOKEN_NOT_RECOGNIZED",
              "CKR_SESSION_HANDLE_INVALID",
              "CKR_SESSION_CLOSED",
              "CKR_GENERAL_ERROR",
              "CKR_FUNCTION_FAILED" ->
          category = TokenException.Category.DEVICE;
      case "CKR_TOKEN_WRITE_PROTECTED" -> {
        category = TokenException.Category.DEVICE;
        hint = "the token is write-protected";
      }
      default -> category = TokenException.Category.OTHER;
    }
    return new TokenException(category, doing + " (" + name + ")", name, hint, cause);
  }

  static final String PIN_LOCKED_HINT =
      "the Security Officer must unblock it, e.g. pkcs11-tool --module <module> --token-label"
          + " <label> --login --login-type so --init-pin (SoftHSM2 and smart cards; YubiHSM 2 has"
          + " no PIN unblock: use another authentication key)";
}
