package io.garagehsm.signing;

import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufSignature;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Signs envelopes: refuses non-ASCII content, signs the canonical bytes of {@code signed} with each
 * signer, and verifies every returned signature against the signer's public key before it is added
 * (a token that returns a wrong signature is caught here, not on a device). Every signature made
 * here is reported to the thread's {@link SignatureLog}.
 */
public final class MetadataSigner {
  /**
   * Data from this size on is digested for the log, and its signature checked, on other threads: a
   * 100k-target role is 35 MB, and each pass over it takes as long as writing the file.
   */
  private static final int PARALLEL_MIN = 1 << 20;

  /**
   * Data up to maxMemory / this is also read by its check while it is signed: the check's copy of
   * the message (Ed25519) is then live beside the signer's two. Larger data (a million targets at
   * {@code -Xmx2g}: 376 MB) is checked after signing, as the heap allows.
   */
  private static final long EARLY_CHECK_HEAP_FACTOR = 16;

  private MetadataSigner() {}

  /** Adds (or replaces) one signature per signer; other signatures stay. */
  public static SignedMetadata sign(SignedMetadata md, List<? extends Signer> signers) {
    md.requireAscii();
    byte[] data = md.canonicalSigned();
    List<Signer> turns = new ArrayList<>(signers);
    // file keys after the first sign beside it; each signature is still checked and logged in turn
    for (int i = 1; i < turns.size(); i++) {
      if (turns.get(i) instanceof FileSigner f) {
        turns.set(i, SignatureAhead.start(() -> f, data).standIn(f));
      }
    }
    SignedMetadata out = md;
    for (Signer s : turns) {
      out = out.withSignature(signChecked(s, data));
    }
    return out;
  }

  /** Signs bytes and checks the result verifies under the signer's own public key. */
  public static TufSignature signChecked(Signer s, byte[] data) {
    return signCheckedLater(s, data).checked();
  }

  /**
   * Signs bytes now and checks the signature meanwhile (on another thread for large data), so the
   * caller can write the file while it runs. Nothing that carries the signature may replace a file
   * before {@link Pending#checked()} returned.
   */
  public static Pending signCheckedLater(Signer s, byte[] data) {
    return signCheckedLater(
        s, data, data.length <= Runtime.getRuntime().maxMemory() / EARLY_CHECK_HEAP_FACTOR);
  }

  /**
   * {@link #signCheckedLater(Signer, byte[])}; large data is read by its check while it is signed
   * or only after, as asked (tests take both ways).
   */
  static Pending signCheckedLater(Signer s, byte[] data, boolean checkWhileSigning) {
    String reason = s.publicKey().unusableForRolesReason();
    if (reason != null) {
      throw new SigningException(
          s.location() + ": " + reason, "generate an Ed25519 or RSA-2048/3072/4096 key");
    }
    if (data.length < PARALLEL_MIN) {
      // small data: digest and check here, without the lambdas below (a lambda's first call costs
      // a short command its bootstrap)
      String digest = SignatureLog.sha256Hex(data);
      byte[] sig = s.sign(data);
      SignatureMethod method = s.method();
      boolean ok = method.verify(s.publicKey().publicKey(), data, sig);
      return new Pending(
          s,
          new TufSignature(s.keyId(), method, sig),
          CompletableFuture.completedFuture(digest),
          CompletableFuture.completedFuture(ok));
    }
    CompletableFuture<String> digest = later(() -> SignatureLog.sha256Hex(data));
    SignatureMethod method = s.method();
    PublicKey key = s.publicKey().publicKey();
    if (!checkWhileSigning) {
      byte[] sig = s.sign(data);
      CompletableFuture<Boolean> ok = later(() -> method.verify(key, data, sig));
      return new Pending(s, new TufSignature(s.keyId(), method, sig), digest, ok);
    }
    // The check's own pass over the message (Ed25519's copy of it, RSA-PSS's digest) runs
    // beside the signing; only the last step waits for the signature.
    CompletableFuture<byte[]> signature = new CompletableFuture<>();
    CompletableFuture<Boolean> ok = later(() -> method.prepare(key, data).verify(signature.join()));
    byte[] sig;
    try {
      sig = s.sign(data);
    } catch (RuntimeException | Error e) {
      signature.completeExceptionally(e); // ends the check's thread; nothing reads its verdict
      throw e;
    }
    signature.complete(sig);
    return new Pending(s, new TufSignature(s.keyId(), method, sig), digest, ok);
  }

  private static <T> CompletableFuture<T> later(Supplier<T> work) {
    return CompletableFuture.supplyAsync(
        work,
        r -> {
          Thread t = new Thread(r, "signature-check");
          t.setDaemon(true);
          t.start();
        });
  }

  /** A signature made, whose check may still be running. */
  public static final class Pending {
    private final String keyId;
    private final String method;
    private final String location;
    private final TokenIdentity token;
    private final TufSignature signature;
    private final CompletableFuture<String> digest;
    private final CompletableFuture<Boolean> ok;

    private Pending(
        Signer s,
        TufSignature signature,
        CompletableFuture<String> digest,
        CompletableFuture<Boolean> ok) {
      this.keyId = s.keyId();
      this.method = s.method().json();
      this.location = s.location();
      this.token = s.token().orElse(null);
      this.signature = signature;
      this.digest = digest;
      this.ok = ok;
    }

    /** The signature, not yet known to verify. */
    public TufSignature unchecked() {
      return signature;
    }

    /**
     * Waits for the check, reports the signature to this thread's log and returns it; a signature
     * that does not verify is refused.
     */
    public TufSignature checked() {
      boolean verified = join(ok);
      // recorded before the verdict is acted on: a token returning a bad signature is evidence
      SignatureLog.report(
          new SignatureRecord(null, keyId, method, location, token, join(digest), verified));
      if (!verified) {
        throw new SigningException(
            location + " returned a signature that does not verify under the expected key " + keyId,
            "the token key is not the key recorded for this name; re-adopt it or check the URI");
      }
      return signature;
    }

    private static <T> T join(CompletableFuture<T> f) {
      try {
        return f.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
  }
}
