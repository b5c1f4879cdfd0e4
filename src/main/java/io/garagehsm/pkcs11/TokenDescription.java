package io.garagehsm.pkcs11;

import java.util.List;

/**
 * A token as listed without login. {@code slotId} is informative only: slot IDs change (SoftHSM
 * assigns random ones), so tokens are selected by {@link #uri()} (label, serial, ...).
 */
public record TokenDescription(
    String label,
    String serial,
    String manufacturer,
    String model,
    long slotId,
    TokenFlags flags,
    List<MechanismDescription> mechanisms,
    Pkcs11Uri uri) {

  public TokenDescription {
    mechanisms = List.copyOf(mechanisms);
  }

  /** Short identification for messages: {@code 'label' (serial 1234)}. */
  public String displayName() {
    return "'" + label + "' (serial " + serial + ")";
  }
}
