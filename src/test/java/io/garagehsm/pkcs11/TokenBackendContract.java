package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour both backends share, run against real SoftHSM2 tokens. Subclasses create the tokens
 * in {@code @BeforeAll} (before the module is first initialised in their JVM: SunPKCS11 never
 * re-initialises it) via {@link #createTokens(String)}.
 */
abstract class TokenBackendContract {

  /** Tokens and keys a subclass made up front, prefix-named per backend. */
  record Fixture(
      TestToken main, TestToken empty, TestToken duplicateA, TestToken adopted, String prefix) {}

  static Fixture createTokens(String prefix) {
    TestToken main = TestTokens.create(prefix + "-main");
    TestToken empty = TestTokens.create(prefix + "-empty");
    TestToken dupA = TestTokens.create(prefix + "-dup");
    TestTokens.createAnother(prefix + "-dup");
    TestToken adopted = TestTokens.create(prefix + "-adopt");
    TestTokens.pkcs11Tool(
        adopted,
        "--keypairgen",
        "--key-type",
        "EC:edwards25519",
        "--label",
        "adopted-ed",
        "--id",
        "a1");
    TestTokens.pkcs11Tool(
        adopted, "--keypairgen", "--key-type", "rsa:2048", "--label", "adopted-rsa", "--id", "a2");
    TestTokens.pkcs11Tool(
        adopted,
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "adopted-p256",
        "--id",
        "a3");
    // Two keys sharing a label, told apart only by CKA_ID.
    TestTokens.pkcs11Tool(
        adopted, "--keypairgen", "--key-type", "EC:edwards25519", "--label", "twin", "--id", "b1");
    TestTokens.pkcs11Tool(
        adopted, "--keypairgen", "--key-type", "EC:edwards25519", "--label", "twin", "--id", "b2");
    return new Fixture(main, empty, dupA, adopted, prefix);
  }

  abstract BackendKind kind();

  abstract Fixture fixture();

  final List<String> diagnostics = new ArrayList<>();
  TokenBackend backend;

  @BeforeEach
  void openBackend() {
    backend =
        TokenBackend.open(kind(), TestTokens.MODULE, new BackendOptions(diagnostics::add, false));
  }

  @AfterEach
  void closeBackend() {
    backend.close();
  }

  static SecretSource pinFile(TestToken token) {
    return PinSources.builder()
        .pinFile(token.pinFile())
        .environment(Map.of())
        .prompt(PasswordPrompt.unavailable())
        .build();
  }

  static final byte[] MESSAGE =
      "{\"signed\":{\"_type\":\"Root\"}}".getBytes(StandardCharsets.UTF_8);

  @Test
  void listsTokensWithFlagsAndMechanismsWithoutLogin() {
    List<TokenDescription> tokens = backend.tokens();
    TokenDescription main =
        tokens.stream()
            .filter(t -> t.label().equals(fixture().main().label()))
            .findFirst()
            .orElseThrow();
    assertTrue(main.flags().tokenInitialized());
    assertTrue(main.flags().loginRequired());
    assertFalse(main.flags().userPinLocked());
    assertFalse(main.flags().protectedAuthenticationPath());
    assertTrue(main.mechanisms().stream().anyMatch(m -> m.name().equals("RSA_PKCS_PSS")));
    assertTrue(main.mechanisms().stream().anyMatch(m -> m.name().equals("EDDSA")));
    MechanismDescription rsaGen =
        main.mechanisms().stream()
            .filter(m -> m.name().equals("RSA_PKCS_KEY_PAIR_GEN"))
            .findFirst()
            .orElseThrow();
    assertTrue(rsaGen.maxKeySize() >= 4096);
    assertEquals("SoftHSM project", main.manufacturer());
    assertEquals(main.label(), main.uri().token().orElseThrow());
  }

  @Test
  void generatesRsa2048SignsAndVerifiesWithJdk() {
    TestToken token = fixture().main();
    try (TokenKey key =
        backend.generate(token.uri(), "rsa2048", KeyAlgorithm.RSA_2048, pinFile(token))) {
      assertEquals(2048, ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
      assertEquals("rsa2048", key.uri().object().orElseThrow());
      assertEquals(8, key.uri().id().orElseThrow().length);
      byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
      assertTrue(
          JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
      // Twice: SunPKCS11's PSS Signature must not be reused (JDK bug); the IAIK path re-inits.
      byte[] sig2 = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
      assertTrue(
          JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig2));
      assertEquals("CKR_ATTRIBUTE_SENSITIVE", rawProbe(key));
    }
    // Read back through listing (no login) and by URI.
    KeyDescription listed =
        backend.keys(token.uri()).stream()
            .filter(k -> k.label().equals("rsa2048"))
            .findFirst()
            .orElseThrow();
    assertEquals(KeyType.RSA, listed.keyType());
    assertEquals(2048, listed.bits());
    try (TokenKey again = backend.openKey(listed.uri(), pinFile(token))) {
      assertEquals(listed.publicKey().orElseThrow(), again.publicKey());
      byte[] sig = again.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
      assertTrue(
          JdkVerifier.verify(
              listed.publicKey().orElseThrow(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
    }
  }

  @Test
  void refusesASecondKeyWithTheSameLabel() {
    TestToken token = fixture().main();
    backend.generate(token.uri(), "once", KeyAlgorithm.RSA_2048, pinFile(token)).close();
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> backend.generate(token.uri(), "once", KeyAlgorithm.RSA_2048, pinFile(token)));
    assertEquals(TokenException.Category.LABEL_EXISTS, e.category());
    assertTrue(e.getMessage().contains("'once'"), e.getMessage());
  }

  @Test
  void missingTokenMessageListsTheTokens() {
    TokenException e =
        assertThrows(
            TokenException.class,
            () ->
                backend.openKey(
                    Pkcs11Uri.parse("pkcs11:token=nope;object=x"), pinFile(fixture().main())));
    assertEquals(TokenException.Category.TOKEN_NOT_FOUND, e.category());
    assertTrue(e.getMessage().contains("'" + fixture().main().label() + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("serial"), e.getMessage());
  }

  @Test
  void ambiguousTokenMessageListsSerials() {
    TokenException e =
        assertThrows(TokenException.class, () -> backend.keys(fixture().duplicateA().uri()));
    assertEquals(TokenException.Category.TOKEN_AMBIGUOUS, e.category());
    assertEquals(2, e.getMessage().split("serial ").length - 1, e.getMessage());
  }

  @Test
  void slotIdAloneIsRefusedWithAHint() {
    long slot = backend.tokens().get(0).slotId();
    TokenException e =
        assertThrows(
            TokenException.class, () -> backend.keys(Pkcs11Uri.parse("pkcs11:slot-id=" + slot)));
    assertEquals(TokenException.Category.TOKEN_NOT_FOUND, e.category());
    assertTrue(e.hint().orElseThrow().contains("token=<label>"));
  }

  @Test
  void missingAndAmbiguousKeysListWhatExists() {
    TestToken token = fixture().adopted();
    TokenException missing =
        assertThrows(
            TokenException.class, () -> backend.openKey(token.keyUri("nope"), pinFile(token)));
    assertEquals(TokenException.Category.KEY_NOT_FOUND, missing.category());
    assertTrue(missing.getMessage().contains("'adopted-rsa' (id a2)"), missing.getMessage());

    TokenException twins =
        assertThrows(
            TokenException.class, () -> backend.openKey(token.keyUri("twin"), pinFile(token)));
    assertEquals(TokenException.Category.KEY_AMBIGUOUS, twins.category());
    assertTrue(twins.getMessage().contains("(id b1)"), twins.getMessage());
    assertTrue(twins.getMessage().contains("(id b2)"), twins.getMessage());
  }

  @Test
  void adoptsAnRsaKeyMadeByPkcs11Tool() {
    TestToken token = fixture().adopted();
    try (TokenKey key = backend.openKey(token.keyUri("adopted-rsa"), pinFile(token))) {
      assertArrayEquals(new byte[] {(byte) 0xa2}, key.uri().id().orElseThrow());
      byte[] sig = key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE);
      assertTrue(
          JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE, sig));
    }
  }

  @Test
  void readsP256KeysButRefusesToSignUptaneSchemesWithThem() {
    TestToken token = fixture().adopted();
    KeyDescription p256 =
        backend.keys(token.uri()).stream()
            .filter(k -> k.label().equals("adopted-p256"))
            .findFirst()
            .orElseThrow();
    assertEquals(KeyType.EC_P256, p256.keyType());
    assertEquals("EC", p256.publicKey().orElseThrow().getAlgorithm());
    try (TokenKey key = backend.openKey(token.keyUri("adopted-p256"), pinFile(token))) {
      assertEquals(p256.publicKey().orElseThrow(), key.publicKey());
      TokenException e =
          assertThrows(
              TokenException.class, () -> key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE));
      assertEquals(TokenException.Category.KEY_TYPE_UNSUPPORTED, e.category());
    }
  }

  @Test
  void listsAdoptedEd25519KeyWithThePrintableStringCurveName() {
    KeyDescription ed =
        backend.keys(fixture().adopted().uri()).stream()
            .filter(k -> k.label().equals("adopted-ed"))
            .findFirst()
            .orElseThrow();
    assertEquals(KeyType.ED25519, ed.keyType());
    assertEquals("a1", ed.idHex());
    assertEquals(
        "pkcs11:token="
            + fixture().adopted().label()
            + ";object=adopted-ed;id=%A1?module-path="
            + TestTokens.MODULE,
        ed.uri().toString());
    assertNotNull(ed.publicKey().orElseThrow());
  }

  @Test
  void wrongPinIsReportedWithoutTheTokenLockingAndWithoutThePin() throws Exception {
    TestToken token = fixture().main();
    String wrong = "9999-wrong-pin";
    SecretSource wrongPin = SecretSource.fixed(wrong.toCharArray());
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> backend.generate(token.uri(), "never", KeyAlgorithm.RSA_2048, wrongPin));
    assertEquals(TokenException.Category.PIN_INCORRECT, e.category());
    assertEquals("CKR_PIN_INCORRECT", e.ckrName().orElseThrow());
    assertFalse(e.getMessage().contains(wrong));
    assertFalse(e.getMessage().contains(TestTokens.USER_PIN));
    assertFalse(String.valueOf(e.hint().orElse("")).contains(wrong));
    TokenDescription after =
        backend.tokens().stream()
            .filter(t -> t.label().equals(token.label()))
            .findFirst()
            .orElseThrow();
    assertFalse(after.flags().userPinLocked());
    assertFalse(after.flags().userPinFinalTry());
    // One try per run: this backend (this run) does not log in to the token again ...
    TokenException second =
        assertThrows(TokenException.class, () -> backend.keys(token.uri(), pinFile(token)));
    assertEquals(TokenException.Category.PIN_RETRY_REFUSED, second.category());
    // ... and in the next run the right PIN still works.
    try (TokenBackend next =
        TokenBackend.open(kind(), TestTokens.MODULE, new BackendOptions(diagnostics::add, false))) {
      next.keys(token.uri(), pinFile(token));
    }
  }

  @Test
  void noPinSourceIsAOneLineError() {
    TestToken token = fixture().main();
    SecretSource nothing =
        PinSources.builder().environment(Map.of()).prompt(PasswordPrompt.unavailable()).build();
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> backend.generate(token.uri(), "nopin", KeyAlgorithm.RSA_2048, nothing));
    assertEquals(TokenException.Category.PIN_UNAVAILABLE, e.category());
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(e.getMessage().contains("--pin-file"), e.getMessage());
  }

  @Test
  void emptyTokenSaysItHasNoPublicKeys() {
    assertTrue(backend.keys(fixture().empty().uri()).isEmpty());
    assertTrue(
        diagnostics.stream().anyMatch(d -> d.contains("no public-key objects")),
        diagnostics.toString());
  }

  @Test
  void ed25519GenerateAndSignAMegabyteOrTheClearSunPkcs11Error() {
    TestToken token = fixture().main();
    byte[] megabyte = new byte[1 << 20];
    new java.util.Random(7).nextBytes(megabyte);
    if (kind() == BackendKind.SUNPKCS11) {
      TokenException e =
          assertThrows(
              TokenException.class,
              () -> backend.generate(token.uri(), "ed", KeyAlgorithm.ED25519, pinFile(token)));
      assertEquals(TokenException.Category.BACKEND_UNSUPPORTED, e.category());
      assertEquals("SunPKCS11 has no EdDSA; use --backend iaik", e.getMessage());
      return;
    }
    try (TokenKey key = backend.generate(token.uri(), "ed", KeyAlgorithm.ED25519, pinFile(token))) {
      assertEquals(KeyType.ED25519, key.keyType());
      assertEquals("Ed25519", key.publicKey().getAlgorithm().replace("EdDSA", "Ed25519"));
      byte[] sig = key.sign(SignatureAlgorithm.ED25519, megabyte);
      assertEquals(64, sig.length);
      assertTrue(JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.ED25519, megabyte, sig));
      assertEquals("CKR_ATTRIBUTE_SENSITIVE", rawProbe(key));
      TokenException wrongScheme =
          assertThrows(
              TokenException.class, () -> key.sign(SignatureAlgorithm.RSA_PSS_SHA256, MESSAGE));
      assertEquals(TokenException.Category.KEY_TYPE_UNSUPPORTED, wrongScheme.category());
    }
  }

  @Test
  void adoptsAnEd25519KeyMadeByPkcs11ToolOrTheClearSunPkcs11Error() {
    TestToken token = fixture().adopted();
    if (kind() == BackendKind.SUNPKCS11) {
      TokenException e =
          assertThrows(
              TokenException.class,
              () -> backend.openKey(token.keyUri("adopted-ed"), pinFile(token)));
      assertEquals(TokenException.Category.BACKEND_UNSUPPORTED, e.category());
      return;
    }
    try (TokenKey key = backend.openKey(token.keyUri("adopted-ed"), pinFile(token))) {
      byte[] sig = key.sign(SignatureAlgorithm.ED25519, MESSAGE);
      assertTrue(JdkVerifier.verify(key.publicKey(), SignatureAlgorithm.ED25519, MESSAGE, sig));
    }
    // Selecting one of the twins by id works where the label alone is ambiguous.
    Pkcs11Uri byId = token.uri().withObject("twin", new byte[] {(byte) 0xb2});
    try (TokenKey key = backend.openKey(byId, pinFile(token))) {
      assertArrayEquals(new byte[] {(byte) 0xb2}, key.uri().id().orElseThrow());
    }
  }

  /** Raw C_GetAttributeValue of the private value, whichever backend opened the key. */
  static String rawProbe(TokenKey key) {
    if (key instanceof IaikTokenKey iaik) {
      return iaik.rawSecretValueProbe();
    }
    return ((SunPkcs11TokenKey) key).located().rawSecretValueProbe();
  }
}
