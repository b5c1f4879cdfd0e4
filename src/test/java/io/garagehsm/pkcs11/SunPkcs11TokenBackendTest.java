package io.garagehsm.pkcs11;

import org.junit.jupiter.api.BeforeAll;

/**
 * The shared suite on SunPKCS11. Runs in its own Surefire execution (own JVM): SunPKCS11 never
 * finalises a module, which would stop the IAIK tests from seeing tokens created later, and all
 * tokens must exist before SunPKCS11 first initialises SoftHSM2 in this JVM.
 */
class SunPkcs11TokenBackendTest extends TokenBackendContract {
  private static Fixture fixture;

  @BeforeAll
  static void tokens() {
    fixture = createTokens("sun");
  }

  @Override
  BackendKind kind() {
    return BackendKind.SUNPKCS11;
  }

  @Override
  Fixture fixture() {
    return fixture;
  }
}
