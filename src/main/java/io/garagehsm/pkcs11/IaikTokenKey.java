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
 * A private key of the IAIK backend, and the signing with it: the mechanism per algorithm,
 * single-part C_Sign, and the per-signature login of a CKA_ALWAYS_AUTHENTICATE key. Each signature
 * borrows a session of the token's pool, so one key signs from several threads at once. After the
 * pool reconnected, the key is found again by label and id and must have the same public key.
 */
final class IaikTokenKey implements TokenKey {
  private final IaikTokenBackend backend;
  private final IaikTokenSessions sessions;
  private final Pkcs11Uri uri;
  private final SecretSource pins;
  private final IaikKeyObjects.LocatedKey key;
  private long handle;
  private int handleGeneration;
  private volatile boolean closed;

  IaikTokenKey(
      IaikTokenBackend backend,
      IaikTokenSessions sessions,
      Pkcs11Uri uri,
      SecretSource pins,
      IaikKeyObjects.LocatedKey key) {
    this.backend = backend;
    this.sessions = sessions;
    this.uri = uri;
    this.pins = pins;
    this.key = key;
    this.handle = key.privateHandle();
    this.handleGeneration = sessions.generation();
  }

  /** The private key's handle in the connection of {@code generation}, found again if needed. */
  private synchronized long handle(Session session, int generation) {
    if (generation != handleGeneration) {
      IaikKeyObjects.LocatedKey again =
          IaikKeyObjects.locatePrivateKey(session, sessions.token(), uri);
      if (!again.publicKey().equals(key.publicKey())) {
        throw new TokenException(
            TokenException.Category.KEY_NOT_FOUND,
            "after reconnecting, key '"
                + key.label()
                + "' on token '"
                + sessions.token().label()
                + "' is a different key; not signing with it");
      }
      handle = again.privateHandle();
      handleGeneration = generation;
    }
    return handle;
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
    return sessions.token();
  }

  boolean alwaysAuthenticate() {
    return key.alwaysAuthenticate();
  }

  /** See {@link IaikKeyGeneration#rawSecretValueProbe}; for tests and diagnostics. */
  String rawSecretValueProbe() {
    return sessions.call(
        (session, g) ->
            backend.generation().rawSecretValueProbe(session, handle(session, g), key.keyType()));
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
    return sessions.call(
        (session, generation) -> {
          long privateKey = handle(session, generation);
          try {
            session.signInit(mechanism, privateKey);
            if (key.alwaysAuthenticate()) {
              backend.login().contextLogin(session, sessions.token(), uri, pins, key.label());
            }
            return session.sign(input);
          } catch (PKCS11Exception e) {
            throw Pkcs11Errors.translate(
                e,
                "signing with key '"
                    + key.label()
                    + "' on token '"
                    + sessions.token().label()
                    + "' failed");
          }
        });
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
      backend.closeKey(this);
    }
  }
}
