package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKG_MGF1_SHA256;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_PSS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA256;

import io.garagehsm.secret.SecretSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.params.RSA_PKCS_PSS_PARAMS;

/**
 * A private key in its own logged-in session of the IAIK backend, and the signing with it: the
 * mechanism per algorithm, single-part C_Sign, and the per-signature login of a
 * CKA_ALWAYS_AUTHENTICATE key.
 */
final class IaikTokenKey implements TokenKey {
  private final IaikTokenBackend backend;
  private final Session session;
  private final IaikTokenDiscovery.FoundToken token;
  private final Pkcs11Uri uri;
  private final SecretSource pins;
  private final IaikKeyObjects.LocatedKey key;
  private boolean closed;

  IaikTokenKey(
      IaikTokenBackend backend,
      Session session,
      IaikTokenDiscovery.FoundToken token,
      Pkcs11Uri uri,
      SecretSource pins,
      IaikKeyObjects.LocatedKey key) {
    this.backend = backend;
    this.session = session;
    this.token = token;
    this.uri = uri;
    this.pins = pins;
    this.key = key;
  }

  @Override
  public PublicKey publicKey() {
    return key.publicKey();
  }

  @Override
  public KeyType keyType() {
    return key.keyType();
  }

  @Override
  public Pkcs11Uri uri() {
    return uri;
  }

  String label() {
    return key.label();
  }

  byte[] id() {
    return key.id().clone();
  }

  IaikTokenDiscovery.FoundToken token() {
    return token;
  }

  boolean alwaysAuthenticate() {
    return key.alwaysAuthenticate();
  }

  /** See {@link IaikKeyGeneration#rawSecretValueProbe}; for tests and diagnostics. */
  String rawSecretValueProbe() {
    return backend.generation().rawSecretValueProbe(session, key.privateHandle(), key.keyType());
  }

  @Override
  public byte[] sign(SignatureAlgorithm algorithm, byte[] message) {
    if (closed) {
      throw new IllegalStateException("key closed");
    }
    if (algorithm.keyType() != key.keyType()) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "key '"
              + key.label()
              + "' is "
              + key.keyType()
              + "; it cannot make "
              + algorithm
              + " signatures");
    }
    Mechanism mechanism;
    byte[] input;
    if (algorithm == SignatureAlgorithm.RSA_PSS_SHA256) {
      // Hash on the host: one short C_Sign, works on tokens without SHA256_RSA_PKCS_PSS.
      mechanism =
          new Mechanism(CKM_RSA_PKCS_PSS, new RSA_PKCS_PSS_PARAMS(CKM_SHA256, CKG_MGF1_SHA256, 32));
      input = sha256(message);
    } else {
      // Pure EdDSA over the whole message, always single-part: SoftHSM2 has no C_SignUpdate for
      // EdDSA, and the wrapper's own sign(...) helpers switch to multi-part above 2 KiB.
      mechanism = new Mechanism(CKM_EDDSA);
      input = message;
    }
    try {
      session.signInit(mechanism, key.privateHandle());
      if (key.alwaysAuthenticate()) {
        backend.login().contextLogin(session, token, uri, pins, key.label());
      }
      return session.sign(input);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(
          e, "signing with key '" + key.label() + "' on token '" + token.label() + "' failed");
    }
  }

  private static byte[] sha256(byte[] message) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(message);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      backend.closeKey(this, session, token.slotId());
    }
  }
}
