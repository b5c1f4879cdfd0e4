package io.garagehsm.signing;

import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufSignature;
import java.util.List;

/**
 * Signs envelopes: refuses non-ASCII content, signs the canonical bytes of {@code signed} with each
 * signer, and verifies every returned signature against the signer's public key before it is added
 * (a token that returns a wrong signature is caught here, not on a device). Every signature made
 * here is reported to the thread's {@link SignatureLog}.
 */
public final class MetadataSigner {
  private MetadataSigner() {}

  /** Adds (or replaces) one signature per signer; other signatures stay. */
  public static SignedMetadata sign(SignedMetadata md, List<? extends Signer> signers) {
    md.requireAscii();
    byte[] data = md.canonicalSigned();
    SignedMetadata out = md;
    for (Signer s : signers) {
      out = out.withSignature(signChecked(s, data));
    }
    return out;
  }

  /** Signs bytes and checks the result verifies under the signer's own public key. */
  public static TufSignature signChecked(Signer s, byte[] data) {
    String reason = s.publicKey().unusableForRolesReason();
    if (reason != null) {
      throw new SigningException(
          s.location() + ": " + reason, "generate an Ed25519 or RSA-2048/3072/4096 key");
    }
    byte[] sig = s.sign(data);
    boolean ok = s.method().verify(s.publicKey().publicKey(), data, sig);
    // recorded before the verdict is acted on: a token returning a bad signature is evidence too
    SignatureLog.report(
        new SignatureRecord(
            null,
            s.keyId(),
            s.method().json(),
            s.location(),
            s.token().orElse(null),
            SignatureLog.sha256Hex(data),
            ok));
    if (!ok) {
      throw new SigningException(
          s.location()
              + " returned a signature that does not verify under the expected key "
              + s.keyId(),
          "the token key is not the key recorded for this name; re-adopt it or check the URI");
    }
    return new TufSignature(s.keyId(), s.method(), sig);
  }
}
