package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFilesTest {

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "rsa2048", "rsa4096"})
  void keyIdsAndFileFormatsMatchUptaneSign(String name) throws Exception {
    JsonNode pubJson = MetadataJson.read(Vectors.path("keys/" + name + ".pub"));
    TufKey pub = TufKey.fromJson(pubJson, name);
    assertEquals(Vectors.text("keys/" + name + ".keyid"), pub.keyId());
    // public value re-encodes byte for byte (PEM style, hex case)
    assertEquals(pubJson.path("keyval").path("public").asText(), pub.publicValue());
    JsonNode secJson = MetadataJson.read(Vectors.path("keys/" + name + ".sec"));
    TufKeyPair pair = TufKeyPair.fromJson(secJson, pub, name);
    assertEquals(
        secJson.path("keyval").path("private").asText(),
        pair.privateJson().path("keyval").path("private").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "rsa2048", "rsa4096"})
  void signJsonSignaturesVerifyAndEd25519IsReproduced(String name) throws Exception {
    TufKey pub = TufKey.fromJson(MetadataJson.read(Vectors.path("keys/" + name + ".pub")), name);
    JsonNode signed = MetadataJson.read(Vectors.path("sign-json/signed-" + name + ".json"));
    SignedMetadata md = SignedMetadata.fromJson(signed, name);
    TufSignature sig = md.signatures().get(0);
    byte[] canonical = Vectors.bytes("sign-json/canonical.txt");
    assertArrayEquals(canonical, md.canonicalSigned());
    assertTrue(sig.method().verify(pub.publicKey(), canonical, sig.sig()));
    assertEquals(pub.keyId(), sig.keyId());
    if (name.equals("ed25519")) {
      TufKeyPair pair =
          TufKeyPair.fromJson(MetadataJson.read(Vectors.path("keys/ed25519.sec")), pub, name);
      assertEquals(
          sig.sigBase64(),
          Base64.getEncoder()
              .encodeToString(SignatureMethod.ED25519.sign(pair.privateKey(), canonical)));
    }
  }

  @Test
  void rsaPssWithOtherSaltsIsRejected() {
    TufKey pub = TufKey.fromJson(MetadataJson.read(Vectors.path("keys/rsa2048.pub")), "rsa2048");
    byte[] data = Vectors.bytes("negative/targets-v2.canonical.txt");
    for (String f : new String[] {"salt20", "saltmax"}) {
      SignedMetadata md =
          SignedMetadata.fromJson(
              MetadataJson.read(Vectors.path("negative/targets.rsa2048-pss-" + f + ".json")), f);
      assertFalse(
          SignatureMethod.RSASSA_PSS_SHA256.verify(
              pub.publicKey(), data, md.signatures().get(0).sig()),
          f);
    }
    SignedMetadata ok =
        SignedMetadata.fromJson(
            MetadataJson.read(Vectors.path("negative/targets.rsa2048-pss-salt32.json")), "ok");
    assertTrue(
        SignatureMethod.RSASSA_PSS_SHA256.verify(
            pub.publicKey(), data, ok.signatures().get(0).sig()));
  }

  @Test
  void ed25519SecretOfAnotherKeyIsRefusedAndAMatchingOneSigns() throws Exception {
    // the pair check derives the public key from the seed; a seed of another key must still fail
    TufKey pub = TufKey.fromJson(MetadataJson.read(Vectors.path("keys/ed25519.pub")), "k.pub");
    TufKeyPair other = TufKeyPair.generate(KeyType.ED25519, 256);
    MetadataException e =
        assertThrows(
            MetadataException.class, () -> TufKeyPair.fromJson(other.privateJson(), pub, "k.sec"));
    assertEquals("k.sec does not belong to public key " + pub.keyId(), e.getMessage());
    assertEquals("restore the matching .pub and .sec files", e.hint());
    // a generated pair reads back as itself: same private value, and it signs for its .pub
    TufKey otherPub = TufKey.fromJson(other.publicKey().toJson(), "o.pub");
    TufKeyPair back = TufKeyPair.fromJson(other.privateJson(), otherPub, "o.sec");
    assertEquals(
        other.privateJson().path("keyval").path("private").asText(),
        back.privateJson().path("keyval").path("private").asText());
    byte[] data = "data".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(
        SignatureMethod.ED25519.verify(
            otherPub.publicKey(), data, SignatureMethod.ED25519.sign(back.privateKey(), data)));
    assertEquals(other.publicKey(), otherPub);
    assertEquals(other.publicKey().keyId(), otherPub.keyId());
    assertArrayEquals(
        other.publicKey().publicKey().getEncoded(), otherPub.publicKey().getEncoded());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "rsa2048"})
  void rememberedVerdictsHoldOnlyForTheExactBytes(String name) throws Exception {
    // verify() remembers verdicts of small data: a changed byte anywhere must be checked again
    TufKey pub = TufKey.fromJson(MetadataJson.read(Vectors.path("keys/" + name + ".pub")), name);
    SignatureMethod m = pub.type().method();
    byte[] data = Vectors.bytes("sign-json/canonical.txt");
    byte[] sig =
        SignedMetadata.fromJson(
                MetadataJson.read(Vectors.path("sign-json/signed-" + name + ".json")), name)
            .signatures()
            .get(0)
            .sig();
    TufKey other = TufKeyPair.generate(pub.type(), name.equals("ed25519") ? 256 : 2048).publicKey();
    for (int round = 0; round < 2; round++) {
      assertTrue(m.verify(pub.publicKey(), data, sig));
      byte[] d = data.clone();
      d[d.length / 2] ^= 1;
      assertFalse(m.verify(pub.publicKey(), d, sig));
      byte[] s = sig.clone();
      s[0] ^= 1;
      assertFalse(m.verify(pub.publicKey(), data, s));
      assertFalse(m.verify(other.publicKey(), data, sig));
      SignatureMethod wrong =
          m == SignatureMethod.ED25519
              ? SignatureMethod.RSASSA_PSS_SHA256
              : SignatureMethod.ED25519;
      assertFalse(wrong.verify(pub.publicKey(), data, sig));
      // the caller's arrays may change after a check: the verdict follows the new bytes
      byte[] reused = data.clone();
      assertTrue(m.verify(pub.publicKey(), reused, sig));
      reused[0] ^= 1;
      assertFalse(m.verify(pub.publicKey(), reused, sig));
    }
  }

  @Test
  void ed25519PublicKeyOfTheWrongLengthIsUnreadable() {
    JsonNode n =
        MetadataJson.parse("{\"keytype\":\"ED25519\",\"keyval\":{\"public\":\"00ff\"}}", "k.pub");
    MetadataException e = assertThrows(MetadataException.class, () -> TufKey.fromJson(n, "k.pub"));
    assertEquals("k.pub holds an unreadable ED25519 public key", e.getMessage());
  }

  @Test
  void unknownKeytypeIsRefusedWithTheFix() {
    JsonNode n =
        MetadataJson.parse("{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"00\"}}", "k.pub");
    MetadataException e = assertThrows(MetadataException.class, () -> TufKey.fromJson(n, "k.pub"));
    assertEquals("k.pub: unknown keytype \"ed25519\"", e.getMessage());
    assertTrue(e.hint().contains("upper case"));
  }
}
