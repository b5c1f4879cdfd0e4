package io.garagehsm.signing;

import io.garagehsm.metadata.TufKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A signer that reports each signature it makes to a {@link SignatureLog}, after checking it
 * verifies. The invocation wraps every signer it opens in one, so every signing command feeds the
 * ceremony transcript without code of its own.
 */
public final class RecordedSigner implements Signer {
  private final Signer delegate;
  private final String keyName;
  private final SignatureLog log;

  private RecordedSigner(Signer delegate, String keyName, SignatureLog log) {
    this.delegate = delegate;
    this.keyName = keyName;
    this.log = log;
  }

  /** Wraps {@code s}; {@code keyName} may be null (key given by file or URI). */
  public static Signer wrap(Signer s, String keyName, SignatureLog log) {
    return s instanceof RecordedSigner ? s : new RecordedSigner(s, keyName, log);
  }

  @Override
  public TufKey publicKey() {
    return delegate.publicKey();
  }

  @Override
  public String location() {
    return delegate.location();
  }

  @Override
  public Optional<TokenIdentity> token() {
    return delegate.token();
  }

  @Override
  public byte[] sign(byte[] data) {
    byte[] sig = delegate.sign(data);
    boolean ok = method().verify(publicKey().publicKey(), data, sig);
    log.signed(
        new SignatureRecord(
            keyName,
            keyId(),
            method().json(),
            location(),
            token().orElse(null),
            sha256Hex(data),
            ok));
    return sig;
  }

  /** SHA-256 of bytes, lower-case hex. */
  public static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  @Override
  public void close() {
    delegate.close();
  }
}
