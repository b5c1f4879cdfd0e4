package io.garagehsm.pkcs11;

import io.garagehsm.secret.SecretSource;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything PKCS#11 the tool needs, for one module, opened per CLI invocation and closed at its
 * end (closing also closes keys still open and, when this process initialised the module and no
 * other backend still uses it, calls C_Finalize).
 *
 * <p>Tokens are selected by URI attributes (token label, serial, manufacturer, model), never by
 * slot number; keys by {@code object} (CKA_LABEL) and/or {@code id} (CKA_ID).
 */
public interface TokenBackend extends AutoCloseable {

  /** Opens a backend of the given kind on the module at {@code modulePath}. */
  static TokenBackend open(BackendKind kind, Path modulePath, BackendOptions options) {
    return switch (kind) {
      case IAIK -> new IaikTokenBackend(modulePath, options, false);
      case SUNPKCS11 -> new SunPkcs11TokenBackend(modulePath, options);
    };
  }

  BackendKind kind();

  Path modulePath();

  /** All tokens of the module, with flags and the mechanisms that matter. No login. */
  List<TokenDescription> tokens();

  /**
   * All tokens of the module with their flags, without mechanisms (an empty list each): what
   * finding a token's serial or checking its presence needs, without a C_GetMechanismList and a
   * C_GetMechanismInfo per mechanism and slot (round trips to a remote token). No login.
   */
  List<TokenDescription> presentTokens();

  /** Key pairs visible without login (public-key objects) on the token the URI selects. */
  List<KeyDescription> keys(Pkcs11Uri token);

  /**
   * Key pairs on the token; with a PIN source, logs in and also lists private keys that have no
   * public-key object (YubiHSM 2 keeps none).
   */
  List<KeyDescription> keys(Pkcs11Uri token, SecretSource pinsOrNull);

  /** Logs in and opens the private key the URI names. */
  TokenKey openKey(Pkcs11Uri keyUri, SecretSource pins);

  /**
   * Generates a non-extractable signing key pair labelled {@code label} on the token, in one
   * C_GenerateKeyPair with final attributes, and opens it. Refuses if any object already has that
   * label.
   */
  TokenKey generate(Pkcs11Uri token, String label, KeyAlgorithm algorithm, SecretSource pins);

  @Override
  void close();
}
