package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IaikTokenBackendTest extends TokenBackendContract {
  private static Fixture fixture;

  @BeforeAll
  static void tokens() {
    fixture = createTokens("iaik");
  }

  @Override
  BackendKind kind() {
    return BackendKind.IAIK;
  }

  @Override
  Fixture fixture() {
    return fixture;
  }

  @Test
  void generatesRsa3072And4096() {
    TestToken token = fixture.main();
    for (KeyAlgorithm alg : new KeyAlgorithm[] {KeyAlgorithm.RSA_3072, KeyAlgorithm.RSA_4096}) {
      try (TokenKey key = backend.generate(token.uri(), "big-" + alg, alg, pinFile(token))) {
        assertEquals(alg.bits(), ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
        byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
        assertTrue(
            JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
        assertEquals("CKR_ATTRIBUTE_SENSITIVE", rawProbe(key));
      }
    }
  }

  /**
   * The lifecycle a CLI test run relies on: open, close (C_Finalize), create a token in another
   * process, open again (C_Initialize) and see it.
   */
  @Test
  void reinitialisingTheModuleShowsTokensCreatedInBetween() {
    backend.close();
    TestToken late = TestTokens.create("iaik-late");
    try (TokenBackend again =
        TokenBackend.open(BackendKind.IAIK, TestTokens.MODULE, BackendOptions.quiet())) {
      assertTrue(again.tokens().stream().anyMatch(t -> t.label().equals(late.label())));
      try (TokenKey key = again.generate(late.uri(), "k", KeyAlgorithm.ED25519, pinFile(late))) {
        assertEquals(64, key.sign(SignatureAlgorithm.ED25519, MESSAGE).length);
      }
    }
    backend = TokenBackend.open(BackendKind.IAIK, TestTokens.MODULE, BackendOptions.quiet());
  }

  /** Two backends on one module share one C_Initialize; closing one must not break the other. */
  @Test
  void closingOneBackendKeepsAnotherUsable() {
    TestToken token = fixture.main();
    try (TokenKey key =
        backend.generate(token.uri(), "shared", KeyAlgorithm.ED25519, pinFile(token))) {
      TokenBackend second =
          TokenBackend.open(BackendKind.IAIK, TestTokens.MODULE, BackendOptions.quiet());
      try (TokenKey other = second.openKey(key.uri(), pinFile(token))) {
        assertEquals(key.publicKey(), other.publicKey());
      }
      second.close();
      byte[] sig = key.sign(SignatureAlgorithm.ED25519, MESSAGE);
      assertTrue(JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.ED25519, MESSAGE, sig));
    }
  }

  @Test
  void theWrapperNeverWritesToStdout() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (TokenBackend b =
        TokenBackend.open(BackendKind.IAIK, TestTokens.MODULE, BackendOptions.quiet())) {
      b.tokens();
      try (TokenKey k =
          b.openKey(fixture.adopted().keyUri("adopted-ed"), pinFile(fixture.adopted()))) {
        k.sign(SignatureAlgorithm.ED25519, MESSAGE);
      }
    } finally {
      System.setOut(original);
    }
    assertEquals("", captured.toString(StandardCharsets.UTF_8));
  }

  /** SoftHSM2 has no PIN retry counter, so the policy is exercised on decoded flags. */
  @Test
  void pinCounterPolicyRefusesFinalTryExplainsLockAndWarnsWhenLow() {
    TokenFlags finalTry = TokenFlags.fromBits(0x400L | 0x4L | 0x20000L);
    TokenException refused =
        assertThrows(
            TokenException.class,
            () -> IaikLogin.checkPinCounters("hsm", finalTry, BackendOptions.quiet()));
    assertEquals(TokenException.Category.PIN_FINAL_TRY, refused.category());
    assertTrue(refused.hint().orElseThrow().contains("--allow-final-pin-try"));
    IaikLogin.checkPinCounters("hsm", finalTry, new BackendOptions(m -> {}, true));

    TokenException locked =
        assertThrows(
            TokenException.class,
            () ->
                IaikLogin.checkPinCounters(
                    "hsm", TokenFlags.fromBits(0x40000L), BackendOptions.quiet()));
    assertEquals(TokenException.Category.PIN_LOCKED, locked.category());
    assertEquals("CKR_PIN_LOCKED", locked.ckrName().orElseThrow());
    assertTrue(locked.hint().orElseThrow().contains("Security Officer"));

    java.util.List<String> warnings = new java.util.ArrayList<>();
    IaikLogin.checkPinCounters(
        "hsm", TokenFlags.fromBits(0x10000L), new BackendOptions(warnings::add, false));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("CKF_USER_PIN_COUNT_LOW"));
  }

  @Test
  void aTokenUriWithoutObjectIsNotAKey() {
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> backend.openKey(fixture.main().uri(), pinFile(fixture.main())));
    assertEquals(TokenException.Category.KEY_NOT_FOUND, e.category());
  }
}
