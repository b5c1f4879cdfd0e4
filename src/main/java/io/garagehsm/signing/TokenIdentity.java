package io.garagehsm.signing;

/**
 * Which token a key lives on, as the token reports it (no secret): for prompts and the ceremony
 * transcript.
 *
 * @param label token label
 * @param serial token serial number, or null when unknown
 * @param model token model, or null
 * @param manufacturer token manufacturer, or null
 * @param module path of the PKCS#11 module, or null
 */
public record TokenIdentity(
    String label, String serial, String model, String manufacturer, String module) {

  /** {@code 'label' (serial 1234)}, as prompts name a token. */
  public String displayName() {
    return "'" + label + "'" + (serial == null ? "" : " (serial " + serial + ")");
  }
}
