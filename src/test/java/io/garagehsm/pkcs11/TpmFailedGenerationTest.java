package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.remote.LoggingShim;
import io.garagehsm.secret.PasswordPrompt;
import io.garagehsm.secret.PinSources;
import io.garagehsm.secret.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A key generation that fails inside tpm2-pkcs11 1.9 on a bare swtpm (no resource manager, three
 * object slots), then a good key in the same process (issue 11, module quirks). The failure is the
 * historic one: the logging shim adds CKA_DECRYPT/UNWRAP/ENCRYPT/WRAP=false to the first
 * C_GenerateKeyPair, which tpm2-pkcs11 refuses ("attr mismatch") after it has already created and
 * loaded the key in the TPM — and it never flushes those two loaded copies, whatever PKCS#11 call
 * follows (C_Logout, C_CloseAllSessions, C_Finalize, even the process exit leave them on a TPM
 * without a resource manager). garage-hsm must not make it worse: no second attempt with the same
 * template (it leaked two more and failed with "out of memory for object contexts"), no object of
 * the failed attempt left on the token, a hint naming the remedy; and once the TPM's slots are free
 * again, the same process generates a key, signs with it and leaves no transient object loaded
 * after it closes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TpmFailedGenerationTest {
  static final byte[] MESSAGE = "{\"signed\":{\"_type\":\"Targets\"}}".getBytes();

  TestTpm tpm;
  TestToken token;
  LoggingShim shim;
  Path shimLog;
  final List<String> diagnostics = new ArrayList<>();

  @BeforeAll
  void startTpm() throws Exception {
    tpm = TestTpm.start("failed-generation", TestTpm.Access.DIRECT);
    Path dir = TestTpm.baseDir().resolve("failed-generation");
    shim = LoggingShim.build(dir.resolve("shim"));
    shimLog = dir.resolve("shim.log");
    Files.deleteIfExists(shimLog);
    tpm.exportToThisProcess(
        Map.of(
            "GARAGE_SHIM_TARGET", TestTpm.MODULE.toString(),
            "GARAGE_SHIM_RESTRICTED_TEMPLATE", "1",
            "GARAGE_SHIM_LOG", shimLog.toString()));
    token = tpm.initToken("tpm-failgen");
    // pkcs11-tool's token initialisation leaves an object loaded; start with all slots free
    tpm.flushTransientObjects();
    assertEquals(List.of(), tpm.transientHandles());
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

  TokenBackend open() {
    return TokenBackend.open(
        BackendKind.IAIK, shim.library(), new BackendOptions(diagnostics::add, false));
  }

  @Test
  void aFailedGenerationIsNotRepeatedLeavesNoObjectAndTheNextKeySignsInTheSameProcess() {
    try (TokenBackend backend = open()) {
      TokenException e =
          assertThrows(
              TokenException.class,
              () -> backend.generate(token.uri(), "failed", KeyAlgorithm.RSA_2048, pins()));
      assertTrue(e.getMessage().contains("key generation (RSA_2048) failed"), e.getMessage());
      LoggingShim.Log calls = LoggingShim.Log.read(shimLog);
      assertEquals(
          1, calls.calls("C_GenerateKeyPair"), "the same template was tried again:\n" + calls);
      assertTrue(
          e.hint().orElse("").contains("tpm2_flushcontext -t"), "no remedy named: " + e.hint());
      assertFalse(
          backend.keys(token.uri(), pins()).stream().anyMatch(k -> k.label().equals("failed")),
          "an object of the failed generation is left on the token");
    }
    // the sessions were closed at the end although nothing was opened (flush-on-close)
    assertEquals(
        1,
        LoggingShim.Log.read(shimLog).calls("C_CloseAllSessions"),
        LoggingShim.Log.read(shimLog).toString());
    // what tpm2-pkcs11 itself left loaded, and nothing more: a second attempt left two more
    assertTrue(tpm.transientHandles().size() <= 2, tpm.transientHandles().toString());
    tpm.flushTransientObjects(); // the hint's remedy on a TPM without a resource manager
    assertFalse(tpm.pkcs11Tool(token.label(), "-O").contains("failed"), "object left on the token");
    try (TokenBackend backend = open();
        TokenKey key = backend.generate(token.uri(), "good", KeyAlgorithm.RSA_2048, pins())) {
      for (int i = 0; i < 2; i++) {
        byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
        assertTrue(
            JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
      }
    }
    assertEquals(List.of(), tpm.transientHandles(), "objects the run loaded are still in the TPM");
    String objects = tpm.pkcs11Tool(token.label(), "-O");
    assertTrue(objects.contains("good"), objects);
    assertFalse(objects.contains("failed"), objects);
  }
}
