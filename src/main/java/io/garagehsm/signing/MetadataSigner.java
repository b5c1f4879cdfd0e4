package io.garagehsm.signing;

import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufSignature;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Signs envelopes: refuses non-ASCII content, signs the canonical bytes of {@code signed} with each
 * signer, and verifies every returned signature against the signer's public key before it is added
 * (a token that returns a wrong signature is caught here, not on a device). Every signature made
 * here is reported to the thread's {@link SignatureLog}.
 */
public final class MetadataSigner {
  /** Data from this size on is digested for the log on another thread. */
  private static final int PARALLEL_DIGEST_MIN = 1 << 20;

  private MetadataSigner() {}

  private static void thread(Runnable r) {
    Thread t = new Thread(r, "signature-log-digest");
    t.setDaemon(true);
    t.start();
  }

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
    // The log's digest of large data (a 100k-target role is 35 MB) is made on a second core
    // while the key signs and the signature is checked.
    CompletableFuture<String> digest =
        data.length < PARALLEL_DIGEST_MIN
            ? CompletableFuture.completedFuture(SignatureLog.sha256Hex(data))
            : CompletableFuture.supplyAsync(
                () -> SignatureLog.sha256Hex(data), MetadataSigner::thread);
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
            digest.join(),
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
