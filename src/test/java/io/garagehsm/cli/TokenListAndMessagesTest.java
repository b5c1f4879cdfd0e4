package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokens list --json} mechanisms as objects, and the messages of issue 10 that once said the
 * wrong thing: the {@code -t} hint, the missing SOFTHSM2_CONF hint, the lockout threat on SoftHSM2
 * (which never locks), the token key ID on stdout. On a real SoftHSM2 token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenListAndMessagesTest {
  @TempDir static Path tmp;
  TestToken token;
  Path home;

  @BeforeAll
  void setUp() {
    token = TestTokens.create("msg-tok");
    home = tmp.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
  }

  private CliRun.Result run(Map<String, String> env, String... args) {
    CliRun r = new CliRun(home);
    env.forEach(r::env);
    return r.run(args);
  }

  private CliRun.Result run(String... args) {
    return run(Map.of(), args);
  }

  @Test
  void tokensListJsonGivesMechanismsAsObjects() {
    CliRun.Result r = run("tokens", "list", "--token", token.uri().toString(), "--json");
    assertEquals(0, r.exit(), r.toString());
    JsonNode mechs = Cli.parse(r.out()).get("tokens").get(0).get("mechanisms");
    Map<String, JsonNode> byName = new HashMap<>();
    for (JsonNode m : mechs) {
      assertTrue(m.isObject(), m.toString());
      assertTrue(m.get("name").asText().startsWith("CKM_"), m.toString());
      assertTrue(m.get("code").isIntegralNumber(), m.toString());
      assertTrue(m.get("minKeySize").isIntegralNumber(), m.toString());
      assertTrue(m.get("maxKeySize").isIntegralNumber(), m.toString());
      assertTrue(m.get("flags").isArray(), m.toString());
      byName.put(m.get("name").asText(), m);
    }
    JsonNode pss = byName.get("CKM_RSA_PKCS_PSS");
    assertEquals(0x0dL, pss.get("code").asLong());
    assertTrue(pss.get("minKeySize").asLong() > 0 && pss.get("maxKeySize").asLong() >= 4096);
    assertTrue(pss.get("flags").toString().contains("\"CKF_SIGN\""), pss.toString());
    assertEquals(0x1057L, byName.get("CKM_EDDSA").get("code").asLong());
    JsonNode gen = byName.get("CKM_RSA_PKCS_KEY_PAIR_GEN");
    assertEquals("[\"CKF_GENERATE_KEY_PAIR\"]", gen.get("flags").toString());
    // the text form keeps the short notation
    CliRun.Result text = run("tokens", "list", "--token", token.uri().toString());
    assertTrue(text.out().contains("CKM_RSA_PKCS_PSS ("), text.out());
  }

  @Test
  void noTokenNamesSoftHsm2ConfInTheHint() {
    String none =
        "pkcs11:token=no-such-token?module-path=" + TestTokens.MODULE; // filter matches nothing
    CliRun.Result unset = run("tokens", "list", "--token", none);
    assertEquals(0, unset.exit(), unset.toString());
    assertTrue(unset.err().contains("warning: no initialised token matches"), unset.err());
    assertTrue(unset.err().contains("hint: SOFTHSM2_CONF is not set"), unset.err());
    assertTrue(unset.err().contains("/etc/softhsm/softhsm2.conf"), unset.err());
    CliRun.Result set =
        run(Map.of("SOFTHSM2_CONF", "/srv/hsm/softhsm2.conf"), "tokens", "list", "--token", none);
    assertTrue(set.err().contains("SOFTHSM2_CONF=/srv/hsm/softhsm2.conf"), set.err());
    assertTrue(set.err().contains("directories.tokendir"), set.err());
  }

  @Test
  void aWrongKeyTypeIsAnsweredWithTheTypesThatExist() {
    CliRun.Result ecdsa = run("key", "generate", "-r", "myrepo", "-n", "k1", "-t", "ecdsa");
    assertEquals(255, ecdsa.exit(), ecdsa.toString());
    assertFalse(ecdsa.err().contains("lower case"), ecdsa.err());
    assertTrue(ecdsa.err().contains("hint: the key types are ed25519"), ecdsa.err());
    assertTrue(ecdsa.err().contains("ECDSA keys cannot sign"), ecdsa.err());
    CliRun.Result dsa = run("user-keys", "gen", "-k", "k2", "-t", "dsa");
    assertEquals(255, dsa.exit(), dsa.toString());
    assertTrue(dsa.err().contains("hint: the key types are ed25519"), dsa.err());
    CliRun.Result upper = run("key", "generate", "-r", "myrepo", "-n", "k3", "-t", "Ed25519");
    assertEquals(255, upper.exit(), upper.toString());
    assertTrue(
        upper.err().contains("hint: write the key type in lower case: -t ed25519"), upper.err());
  }

  @Test
  void keyGenerateOnATokenPrintsTheKeyIdOnStdout() {
    CliRun.Result r =
        run(
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "onstdout",
            "--token",
            token.uri().toString(),
            "--pin-file",
            token.pinFile().toString());
    assertEquals(0, r.exit(), r.toString());
    String id =
        run("user-keys", "id", "-i", home.resolve("myrepo/keys/onstdout.pub").toString()).out();
    assertEquals(64, id.length(), id);
    assertEquals(id + "\n", r.out());
    assertTrue(r.err().contains("key id " + id), r.err()); // the diagnostic line stays
  }

  /** SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN but never locks: no threat. */
  @Test
  void softHsmCountLowIsANoteWithoutALockoutThreat() throws Exception {
    TestToken t = TestTokens.create("msg-countlow");
    wrongLoginWithPkcs11Tool(t);
    String flags = TestTokens.pkcs11ToolSlots(t);
    assertTrue(flags.contains("user PIN count low"), flags);
    CliRun.Result r =
        run(
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "afterwrong",
            "--token",
            t.uri().toString(),
            "--pin-file",
            t.pinFile().toString());
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("CKF_USER_PIN_COUNT_LOW"), r.err());
    assertTrue(r.err().contains("never locks"), r.err());
    assertFalse(r.err().contains("will lock"), r.err());
  }

  private static void wrongLoginWithPkcs11Tool(TestToken t) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    "pkcs11-tool",
                    "--module",
                    t.module().toString(),
                    "--token-label",
                    t.label(),
                    "--login",
                    "--pin",
                    "000000-wrong",
                    "-O"))
            .redirectErrorStream(true);
    pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    assertTrue(out.contains("CKR_PIN_INCORRECT"), out);
  }
}
