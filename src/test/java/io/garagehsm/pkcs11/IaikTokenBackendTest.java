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

  @Test
  void finalTryIsRefusedAndLockedIsExplained() {
    // SoftHSM2 has no retry counter, so the flags are exercised through their decoding.
    TokenFlags flags = TokenFlags.fromBits(0x400L | 0x4L | 0x20000L);
    assertTrue(flags.userPinFinalTry());
    TokenFlags locked = TokenFlags.fromBits(0x40000L);
    assertTrue(locked.userPinLocked());
    TokenException e =
        assertThrows(
            TokenException.class,
            () ->
                backend.openKey(
                    Pkcs11Uri.parse("pkcs11:token=" + fixture.main().label()),
                    pinFile(fixture.main())));
    assertEquals(TokenException.Category.KEY_NOT_FOUND, e.category());
  }
}
