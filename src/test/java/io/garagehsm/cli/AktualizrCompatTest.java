package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.metadata.Vectors;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** What the aktualizr-style verifier accepts, and why garage-hsm refuses the rest up front. */
class AktualizrCompatTest {

  static JsonNode signRaw(JsonNode signed) {
    TufKey pub =
        TufKey.fromJson(
            MetadataJson.read(Vectors.path("repo-flow/tuf/myrepo/keys/targets.pub")), "t");
    TufKeyPair pair =
        TufKeyPair.fromJson(
            MetadataJson.read(Vectors.path("repo-flow/tuf/myrepo/keys/targets.sec")), pub, "t");
    try {
      byte[] sig =
          SignatureMethod.ED25519.sign(
              pair.privateKey(), CanonicalJson.encode(MetadataJson.parse(signed.toString(), "x")));
      ObjectNode env = Cli.JSON.createObjectNode();
      ObjectNode s = env.putArray("signatures").addObject();
      s.put("keyid", pub.keyId());
      s.put("method", "ed25519");
      s.put("sig", Base64.getEncoder().encodeToString(sig));
      env.set("signed", signed);
      return env;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode root() {
    return Cli.vectorJson("repo-flow/tuf/myrepo/roles/root.json").get("signed");
  }

  @Test
  void vectorsAndAsciiContentVerify() {
    JsonNode t = Cli.vectorJson("repo-flow/tuf/myrepo/roles/targets.json");
    assertTrue(AktualizrVerifier.verifyTargets(t, root()).ok());
    // the jsoncpp form equals ota-tuf's for ASCII content
    assertEquals(
        Vectors.text("negative/targets-v2.canonical.txt"),
        new String(AktualizrVerifier.canonical(t.get("signed"))));
    assertFalse(
        AktualizrVerifier.verifyTargets(
                Cli.vectorJson("negative/targets.wrong-signature.json"), root())
            .ok());
  }

  @Test
  void nonAsciiAndFractionalExpiryFailInAktualizr() {
    ObjectNode s =
        (ObjectNode)
            Cli.vectorJson("repo-flow/tuf/myrepo/roles/targets.json").get("signed").deepCopy();
    ((ObjectNode) s.get("targets").get("app-firmware-1.0.0").get("custom"))
        .put("note", "caf\u00e9");
    AktualizrVerifier.Result r = AktualizrVerifier.verifyTargets(signRaw(s), root());
    assertFalse(r.ok());
    assertTrue(r.reason().contains("incorrect associated key ID"), r.reason());

    ObjectNode f =
        (ObjectNode)
            Cli.vectorJson("repo-flow/tuf/myrepo/roles/targets.json").get("signed").deepCopy();
    f.put("expires", "2030-01-01T00:00:00.5Z");
    AktualizrVerifier.Result r2 = AktualizrVerifier.verifyTargets(signRaw(f), root());
    assertEquals("invalid timestamp", r2.reason());
  }

  @Test
  void duplicateKeyIdsAreFatal() {
    ObjectNode env =
        (ObjectNode) Cli.vectorJson("repo-flow/tuf/myrepo/roles/targets.json").deepCopy();
    env.withArray("signatures").add(env.get("signatures").get(0).deepCopy());
    assertFalse(AktualizrVerifier.verifyTargets(env, root()).ok());
  }
}
