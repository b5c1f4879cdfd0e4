package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.secret.PasswordPrompt;
import io.garagehsm.secret.PinSources;
import io.garagehsm.secret.SecretSource;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The token suite on a software TPM (tpm2-pkcs11 1.9): on-token RSA-2048/3072 generation, proven
 * non-extractable by a raw attribute read, signatures on both backends verified by the JDK, keys
 * made by pkcs11-tool (the SIGSEGV case: tpm2-pkcs11 reads the PSS parameters in C_Sign after the
 * wrapper freed them), and the signing path shown in the key listing. Subclasses choose direct
 * swtpm access or tpm2-abrmd; each runs in a JVM of its own (the TCTI is exported before the module
 * first loads).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TpmTokenContract {
  static final byte[] MESSAGE =
      "{\"signed\":{\"_type\":\"Root\",\"version\":2}}".getBytes(StandardCharsets.UTF_8);

  TestTpm tpm;
  TestToken token;
  final List<String> diagnostics = new ArrayList<>();

  abstract TestTpm.Access access();

  @BeforeAll
  void startTpm() {
    tpm = TestTpm.start("contract-" + access().name().toLowerCase(java.util.Locale.ROOT), access());
    tpm.exportToThisProcess();
    token = tpm.initToken("tpm-suite");
    tpm.pkcs11Tool(
        token.label(),
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--label",
        "made-by-tool",
        "--id",
        "d1");
  }

  @AfterAll
  void stopTpm() {
    if (tpm != null) {
      tpm.close();
    }
  }

  SecretSource pins() {
    return PinSources.builder()
        .pinFile(token.pinFile())
        .environment(Map.of())
        .prompt(PasswordPrompt.unavailable())
        .build();
  }

  TokenBackend open(BackendKind kind) {
    return TokenBackend.open(kind, TestTpm.MODULE, new BackendOptions(diagnostics::add, false));
  }

  static IaikTokenKey wrapperSide(TokenKey key) {
    return key instanceof IaikTokenKey k ? k : ((SunPkcs11TokenKey) key).located();
  }

  @Test
  void generatesNonExtractableRsa2048And3072AndBothBackendsSignWithoutACrash() {
    int n = 0;
    for (BackendKind kind : BackendKind.values()) {
      for (KeyAlgorithm algorithm : List.of(KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072)) {
        String label =
            "gen-" + kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + algorithm.bits();
        try (TokenBackend backend = open(kind);
            TokenKey key = backend.generate(token.uri(), label, algorithm, pins())) {
          assertEquals(algorithm.bits(), ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
          IaikTokenKey located = wrapperSide(key);
          // tpm2-pkcs11 has no CKA_PRIVATE_EXPONENT for its keys at all
          assertEquals("CKR_ATTRIBUTE_TYPE_INVALID", located.rawSecretValueProbe());
          assertEquals(RsaSigningPath.RAW_RSA, located.rsaSigningPath());
          for (int i = 0; i < 2; i++) {
            byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
            assertTrue(
                JdkVerifier.verify(
                    key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig),
                label);
          }
          n++;
        }
      }
    }
    assertEquals(4, n);
    String objects = tpm.pkcs11Tool(token.label(), "-O");
    assertTrue(objects.contains("gen-iaik-3072"), objects);
    for (String block : objects.split("(?=Private Key Object)")) {
      if (block.startsWith("Private Key Object") && block.contains("gen-")) {
        assertTrue(block.contains("sensitive, always sensitive, never extractable, local"), block);
      }
    }
  }

  @Test
  void aKeyMadeByPkcs11ToolSignsOnBothBackends() {
    for (BackendKind kind : BackendKind.values()) {
      try (TokenBackend backend = open(kind);
          TokenKey key = backend.openKey(token.keyUri("made-by-tool"), pins())) {
        // its CKA_ALLOWED_MECHANISMS lists PSS, the module keeps the parameters: raw RSA it is
        assertEquals(RsaSigningPath.RAW_RSA, wrapperSide(key).rsaSigningPath());
        byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
        assertTrue(
            JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
      }
    }
  }

  @Test
  void theListingShowsTheRawRsaPathAndTheModuleOffersNoEd25519() {
    try (TokenBackend backend = open(BackendKind.IAIK)) {
      TokenDescription t =
          backend.tokens().stream()
              .filter(d -> d.label().equals(token.label()))
              .findFirst()
              .orElseThrow();
      assertFalse(t.mechanisms().stream().anyMatch(m -> m.name().equals("RSA_PKCS_PSS")));
      assertTrue(t.mechanisms().stream().anyMatch(m -> m.name().equals("RSA_X_509")));
      KeyDescription k =
          backend.keys(token.uri()).stream()
              .filter(d -> d.label().equals("made-by-tool"))
              .findFirst()
              .orElseThrow();
      assertEquals(RsaSigningPath.RAW_RSA, k.rsaSigningPathOrNull());
      TokenException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              TokenException.class,
              () -> backend.generate(token.uri(), "ed", KeyAlgorithm.ED25519, pins()));
      assertEquals(TokenException.Category.MECHANISM_UNSUPPORTED, e.category());
      TokenException big =
          org.junit.jupiter.api.Assertions.assertThrows(
              TokenException.class,
              () -> backend.generate(token.uri(), "big", KeyAlgorithm.RSA_4096, pins()));
      assertTrue(big.getMessage().contains("3072"), big.getMessage());
    }
  }
}
