package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RootRole.requireValid and the verifier's threshold rule (python-tuf style results). */
class RootValidationTest {
  static final String WRONG_ID = "00".repeat(32);
  final TufKeyPair root = TufKeyPair.generate(KeyType.ED25519, 256);
  final TufKeyPair targets = TufKeyPair.generate(KeyType.ED25519, 256);
  final TufKeyPair other = TufKeyPair.generate(KeyType.ED25519, 256);

  ObjectNode rootJson() {
    ObjectNode s = MetadataJson.object();
    s.put("_type", "Root");
    s.put("consistent_snapshot", false);
    s.put("expires", "2030-01-01T00:00:00Z");
    s.put("version", 1);
    ObjectNode keys = s.putObject("keys");
    ObjectNode roles = s.putObject("roles");
    for (String r : RootRole.REQUIRED_ROLES) {
      TufKey k = (r.equals("targets") ? targets : root).publicKey();
      keys.set(k.keyId(), k.toJson());
      ObjectNode role = roles.putObject(r);
      role.putArray("keyids").add(k.keyId());
      role.put("threshold", 1);
    }
    return s;
  }

  static String refusal(ObjectNode s) {
    return assertThrows(MetadataException.class, () -> RootRole.of(s, "r").requireValid())
        .getMessage();
  }

  @Test
  void aWellFormedRootPasses() {
    RootRole.of(rootJson(), "r").requireValid();
  }

  @Test
  void eachRuleNamesTheField() {
    ObjectNode s = rootJson();
    ((ObjectNode) s.get("roles").get("snapshot")).put("threshold", 0);
    assertTrue(refusal(s).startsWith("r: roles.snapshot.threshold"), refusal(s));

    s = rootJson();
    ((ObjectNode) s.get("roles")).remove("timestamp");
    assertTrue(refusal(s).contains("roles.timestamp is missing"), refusal(s));

    s = rootJson();
    s.put("version", 0);
    assertTrue(refusal(s).contains("\"version\""), refusal(s));

    s = rootJson();
    s.put("expires", "2030-01-01T00:00:00.5Z");
    assertTrue(refusal(s).contains("\"expires\""), refusal(s));

    s = rootJson();
    ((ArrayNode) s.get("roles").get("targets").get("keyids")).add("ab".repeat(32));
    assertTrue(refusal(s).contains("not in \"keys\""), refusal(s));
  }

  @Test
  void aKeyUnderASecondWrongIdIsRefused() {
    ObjectNode s = rootJson();
    ((ObjectNode) s.get("keys")).set(WRONG_ID, targets.publicKey().toJson());
    ((ArrayNode) s.get("roles").get("targets").get("keyids")).add(WRONG_ID);
    String msg = refusal(s);
    assertTrue(msg.contains(WRONG_ID) && msg.contains(targets.publicKey().keyId()), msg);
  }

  @Test
  void thresholdCountsDistinctKeysNotDistinctIds() {
    ObjectNode s = rootJson();
    ((ArrayNode) s.get("roles").get("targets").get("keyids")).add(targets.publicKey().keyId());
    ((ObjectNode) s.get("roles").get("targets")).put("threshold", 2);
    assertTrue(refusal(s).contains("1 (the number of distinct keys"), refusal(s));
  }

  @Test
  void verifierCountsOneKeyOnceWhateverIdsItIsListedUnder() {
    ObjectNode t = MetadataJson.object().put("_type", "Targets").put("version", 2);
    SignedMetadata md =
        SignedMetadata.unsigned(t)
            .withSignature(sig(targets, targets.publicKey().keyId(), t))
            .withSignature(sig(targets, WRONG_ID, t));
    java.util.Map<String, TufKey> keys =
        java.util.Map.of(
            targets.publicKey().keyId(), targets.publicKey(), WRONG_ID, targets.publicKey());
    SignedMetadata.Verification v =
        md.verify(keys, List.of(targets.publicKey().keyId(), WRONG_ID), 2);
    assertFalse(v.thresholdMet(), v.describe());
    assertEquals(List.of(targets.publicKey().keyId()), v.valid());
    assertEquals(List.of(WRONG_ID), v.duplicate());
    assertEquals(List.of(), v.missing());
    assertTrue(v.describe().contains("not counted twice"), v.describe());

    // two distinct keys still meet a threshold of 2
    keys =
        java.util.Map.of(
            targets.publicKey().keyId(), targets.publicKey(),
            other.publicKey().keyId(), other.publicKey());
    md =
        md.withoutSignatures()
            .withSignature(sig(targets, targets.publicKey().keyId(), t))
            .withSignature(sig(other, other.publicKey().keyId(), t));
    v = md.verify(keys, List.of(targets.publicKey().keyId(), other.publicKey().keyId()), 2);
    assertTrue(v.thresholdMet(), v.describe());
  }

  @Test
  void listsKeyComparesPublicKeys() {
    RootRole r = RootRole.of(rootJson(), "r");
    assertTrue(r.listsKey("targets", targets.publicKey()));
    assertFalse(r.listsKey("targets", other.publicKey()));
    assertFalse(r.listsKey("targets", root.publicKey()));
  }

  static TufSignature sig(TufKeyPair k, String keyId, ObjectNode signed) {
    SignatureMethod m = k.publicKey().type().method();
    try {
      return new TufSignature(keyId, m, m.sign(k.privateKey(), CanonicalJson.encode(signed)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theKeyIdAndExpiryShapesAcceptWhatTheRegularExpressionsAccepted() {
    java.util.regex.Pattern keyId = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    java.util.regex.Pattern expires =
        java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    String id = root.publicKey().keyId();
    List<String> cases =
        List.of(
            id,
            WRONG_ID,
            id.toUpperCase(java.util.Locale.ROOT),
            id.substring(1),
            id + "0",
            id.substring(1) + "g",
            id.substring(1) + "\u0660",
            "",
            "2030-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2030-01-01T00:00:00.5Z",
            "2030-01-01T00:00:00",
            "2030-01-01 00:00:00Z",
            "2030-01-01T00:00:00z",
            "20300-01-01T00:00:0Z",
            "2030-01-01T00:00:0\u0660Z",
            "2030/01/01T00:00:00Z",
            " 2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z\n");
    for (String c : cases) {
      assertEquals(keyId.matcher(c).matches(), RootRole.isKeyId(c), c);
      assertEquals(expires.matcher(c).matches(), RootRole.isWholeSecondsUtc(c), c);
    }
  }
}
