package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;

import io.garagehsm.secret.SecretSource;
import java.security.PublicKey;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

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
  private final RsaSigningPath rsaPath;
  private volatile boolean closed;

  IaikTokenKey(
      IaikTokenBackend backend,
      IaikTokenSessions sessions,
      Pkcs11Uri uri,
      SecretSource pins,
      IaikKeyObjects.LocatedKey key,
      RsaSigningPath rsaPath) {
    this.rsaPath = rsaPath;
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

  @Override
  public String tokenSerial() {
    return sessions.token().description().serial();
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
    if (algorithm == SignatureAlgorithm.RSA_PSS_SHA256 && rsaPath == RsaSigningPath.NONE) {
      throw new TokenException(
          TokenException.Category.MECHANISM_UNSUPPORTED,
          "key '"
              + key.label()
              + "' on token '"
              + sessions.token().label()
              + "' can use none of CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_RSA_X_509"
              + " (by its CKA_ALLOWED_MECHANISMS, the token's list and a test signature)",
          null,
          "use a key or token that allows RSA-PSS or raw RSA signatures",
          null);
    }
    return sessions.call(
        (session, generation) -> {
          long privateKey = handle(session, generation);
          try {
            byte[] input;
            if (algorithm == SignatureAlgorithm.RSA_PSS_SHA256) {
              // The path was chosen by capability (IaikSigningPaths); hashing on the host keeps
              // C_Sign short and single-part.
              input = IaikSigningPaths.init(session, privateKey, key.publicKey(), rsaPath, message);
            } else {
              // Pure EdDSA over the whole message, always single-part: SoftHSM2 has no
              // C_SignUpdate for EdDSA, and the wrapper's sign(...) helpers go multi-part at 2 KiB.
              session.signInit(new Mechanism(CKM_EDDSA), privateKey);
              input = message;
            }
            if (key.alwaysAuthenticate()) {
              backend.login().contextLogin(session, sessions.token(), uri, pins, key.label());
            }
            byte[] output = session.sign(input);
            return algorithm == SignatureAlgorithm.RSA_PSS_SHA256
                ? IaikSigningPaths.finish(key.publicKey(), rsaPath, output)
                : output;
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

  /** How this RSA key signs (null for other key types). */
  RsaSigningPath rsaSigningPath() {
    return rsaPath;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      backend.closeKey(this);
    }
  }
}
