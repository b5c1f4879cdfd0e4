package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.secret.PasswordPrompt;
import io.garagehsm.secret.PinSources;
import io.garagehsm.secret.SecretSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw-RSA PSS path on SoftHSM2: a key whose CKA_ALLOWED_MECHANISMS is only CKM_RSA_X_509 signs
 * RSASSA-PSS through host EMSA-PSS, and OpenSSL verifies it with salt length 32.
 */
class RawRsaPssSoftHsmTest {
  static TestToken token;
  @TempDir static Path tmp;

  @BeforeAll
  static void createToken() {
    token = TestTokens.create("raw-rsa");
    TestTokens.pkcs11Tool(
        token,
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--label",
        "raw-only",
        "--id",
        "c1",
        "--allowed-mechanisms",
        "RSA-X-509");
    TestTokens.pkcs11Tool(
        token, "--keypairgen", "--key-type", "rsa:2048", "--label", "any-rsa", "--id", "c2");
  }

  static SecretSource pins() {
    return PinSources.builder()
        .pinFile(token.pinFile())
        .environment(Map.of())
        .prompt(PasswordPrompt.unavailable())
        .build();
  }

  @Test
  void keyAllowedOnlyRawRsaSignsPssThatOpensslVerifiesWithSalt32() throws Exception {
    List<String> diagnostics = new ArrayList<>();
    try (TokenBackend backend =
            TokenBackend.open(
                BackendKind.IAIK, TestTokens.MODULE, new BackendOptions(diagnostics::add, false));
        TokenKey key = backend.openKey(token.keyUri("raw-only"), pins())) {
      assertEquals(RsaSigningPath.RAW_RSA, ((IaikTokenKey) key).rsaSigningPath());
      byte[] message = "{\"signed\":{\"_type\":\"Targets\"}}".getBytes(StandardCharsets.UTF_8);
      byte[] first = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, message);
      byte[] second = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, message);
      assertTrue(!java.util.Arrays.equals(first, second), "a fresh salt per signature");
      assertTrue(opensslVerifiesPss(key, message, first));
      assertTrue(opensslVerifiesPss(key, message, second));
      // an unrestricted key on the same token keeps the PSS mechanism
      try (TokenKey other = backend.openKey(token.keyUri("any-rsa"), pins())) {
        assertEquals(RsaSigningPath.PSS, ((IaikTokenKey) other).rsaSigningPath());
        assertTrue(
            opensslVerifiesPss(
                other, message, other.sign(SignatureAlgorithm.RSA_PSS_SHA256, message)));
      }
    }
  }

  boolean opensslVerifiesPss(TokenKey key, byte[] message, byte[] signature) throws Exception {
    Path pub = Files.createTempFile(tmp, "pub", ".der");
    Path msg = Files.createTempFile(tmp, "msg", ".bin");
    Path sig = Files.createTempFile(tmp, "sig", ".bin");
    Files.write(pub, key.publicKey().getEncoded());
    Files.write(msg, message);
    Files.write(sig, signature);
    Process p =
        new ProcessBuilder(
                "openssl",
                "dgst",
                "-sha256",
                "-keyform",
                "DER",
                "-verify",
                pub.toString(),
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:32",
                "-sigopt",
                "rsa_mgf1_md:sha256",
                "-signature",
                sig.toString(),
                msg.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue() == 0 && out.contains("Verified OK");
  }
}
