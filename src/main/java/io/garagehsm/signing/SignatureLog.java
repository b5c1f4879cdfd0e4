package io.garagehsm.signing;

/** Receives a record of every signature a recorded signer makes (see {@link RecordedSigner}). */
@FunctionalInterface
public interface SignatureLog {
  void signed(SignatureRecord record);
}
