package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A private key held in a garage-sign {@code .sec} file together with its public key. Ed25519
 * private values are seed‖public in hex; RSA private values are PKCS#1 PEM (compat spec §3.3).
 */
public record TufKeyPair(TufKey publicKey, PrivateKey privateKey) {
  private static final byte[] ED25519_PKCS8_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  /**
   * Generates a key pair as {@code key generate} does. RSA accepts 2048 bits or more; Ed25519 only
   * 256 ("Key size too small" otherwise, as upstream).
   */
  public static TufKeyPair generate(KeyType type, int bits) {
    try {
      KeyPair kp;
      switch (type) {
        case RSA -> {
          if (bits < 2048) {
            throw new MetadataException(
                "Key size too small: RSA-" + bits, "use --keysize 2048, 3072 or 4096");
          }
          KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
          g.initialize(bits, new SecureRandom());
          kp = g.generateKeyPair();
        }
        case ED25519 -> {
          if (bits != 256) {
            throw new MetadataException(
                "Key size too small: Ed25519 keys are 256 bits, not " + bits,
                "omit --keysize for ed25519");
          }
          kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        default -> throw new MetadataException("garage-hsm does not generate " + type.json());
      }
      return new TufKeyPair(TufKey.of(kp.getPublic()), kp.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new MetadataException("key generation failed: " + e.getMessage(), null, e);
    }
  }

  /** The {@code .sec} file content. */
  public ObjectNode privateJson() {
    ObjectNode o = MetadataJson.object();
    o.put("keytype", publicKey.type().json());
    String value =
        switch (publicKey.type()) {
          case ED25519 -> {
            byte[] pkcs8 = privateKey.getEncoded();
            byte[] seed = Arrays.copyOfRange(pkcs8, 16, 48);
            String pub = publicKey.publicValue();
            yield HexFormat.of().formatHex(seed) + pub;
          }
          case RSA ->
              TufKey.pem(
                  "RSA PRIVATE KEY", RsaKeyEncoding.rsaPkcs8ToPkcs1(privateKey.getEncoded()));
          case ECPRIME256V1 -> HexFormat.of().formatHex(privateKey.getEncoded());
        };
    o.set("keyval", MetadataJson.object().put("private", value));
    return o;
  }

  /**
   * Reads a private key file ({@code .sec}); the public key comes from the {@code .pub} next to it
   * and must belong to the private key.
   */
  public static TufKeyPair fromJson(JsonNode sec, TufKey pub, String what) {
    JsonNode kt = sec.get("keytype");
    JsonNode val = sec.path("keyval").get("private");
    if (kt == null || !kt.isTextual() || val == null || !val.isTextual()) {
      throw new MetadataException(
          what + " is not a private key: expected {\"keytype\", \"keyval\": {\"private\"}}");
    }
    KeyType type = KeyType.fromJson(kt.textValue(), what);
    if (type != pub.type()) {
      throw new MetadataException(
          what + " is " + type.json() + " but its public key is " + pub.type().json());
    }
    try {
      PrivateKey priv =
          switch (type) {
            case ED25519 -> {
              byte[] raw = HexFormat.of().parseHex(val.textValue());
              if (raw.length < 32) {
                throw new GeneralSecurityException("short Ed25519 seed");
              }
              byte[] der = Arrays.copyOf(ED25519_PKCS8_PREFIX, 48);
              System.arraycopy(raw, 0, der, 16, 32);
              yield KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            case RSA -> {
              byte[] pkcs1 = TufKey.pemBody(val.textValue(), what);
              yield KeyFactory.getInstance("RSA")
                  .generatePrivate(new PKCS8EncodedKeySpec(RsaKeyEncoding.rsaPkcs1ToPkcs8(pkcs1)));
            }
            case ECPRIME256V1 ->
                throw new MetadataException(
                    what + ": ECDSA P-256 keys cannot sign Uptane metadata",
                    "use an RSA or Ed25519 key");
          };
      TufKeyPair pair = new TufKeyPair(pub, priv);
      pair.checkMatches(what);
      return pair;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new MetadataException(what + " holds an unreadable " + type.json() + " private key");
    }
  }

  /**
   * The Ed25519 key pair of a 32-byte seed (RFC 8032 §5.1.5): the JDK's generator draws the seed
   * from the random source it is given. Should a JDK draw differently, the public key differs and
   * {@link #checkMatches} falls back to the probe signature, whose verdict stands.
   */
  private static KeyPair ed25519FromSeed(byte[] seed) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
    return g.generateKeyPair();
  }

  /** A random source that hands out one fixed seed (never used for anything but a derivation). */
  private static final class SeedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] seed;

    SeedRandom(byte[] seed) {
      super(
          new SecureRandomSpi() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void engineSetSeed(byte[] s) {
              throw new UnsupportedOperationException();
            }

            @Override
            protected void engineNextBytes(byte[] bytes) {
              throw new UnsupportedOperationException();
            }

            @Override
            protected byte[] engineGenerateSeed(int numBytes) {
              throw new UnsupportedOperationException();
            }
          },
          null);
      this.seed = seed;
    }

    @Override
    public void nextBytes(byte[] bytes) {
      // any other request gives a key that does not match, and the probe decides
      Arrays.fill(bytes, (byte) 0);
      System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
    }
  }

  private void checkMatches(String what) throws GeneralSecurityException {
    boolean ok;
    if (privateKey instanceof RSAPrivateCrtKey crt) {
      ok =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()))
              .equals(publicKey.publicKey());
    } else if (privateKey instanceof EdECPrivateKey ed
        && ed.getBytes().isPresent()
        && Arrays.equals(
            ed25519FromSeed(ed.getBytes().get()).getPublic().getEncoded(), publicKey.spki())) {
      // the seed's own public key is the .pub: one scalar multiplication instead of the probe
      // signature and its check (a third of a short command's signing work)
      ok = true;
    } else {
      byte[] probe = "garage-hsm key pair check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      SignatureMethod m = publicKey.type().method();
      ok = m.verify(publicKey.publicKey(), probe, m.sign(privateKey, probe));
    }
    if (!ok) {
      throw new MetadataException(
          what + " does not belong to public key " + publicKey.keyId(),
          "restore the matching .pub and .sec files");
    }
  }
}
