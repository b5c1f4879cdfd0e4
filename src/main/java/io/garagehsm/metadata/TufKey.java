package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A public key as garage-sign writes it ({@code {"keytype", "keyval": {"public"}}}) with its key
 * ID: the lower-case hex SHA-256 of the DER SubjectPublicKeyInfo (compat spec §7.1).
 */
public final class TufKey {
  /** RFC 8410 SPKI prefix of a 32-byte Ed25519 key. */
  static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private final KeyType type;
  // an Ed25519 key read from a file is made only when something verifies with it: its key ID
  // and file forms come from the SPKI alone, and the JCA key factory is most of a short run's
  // crypto set-up (user-keys id, root.json's other keys)
  private volatile PublicKey key;
  private final byte[] spki;
  private final String keyId;

  private TufKey(KeyType type, PublicKey key) {
    this(type, key, key.getEncoded());
  }

  private TufKey(KeyType type, PublicKey key, byte[] spki) {
    this.type = type;
    this.key = key;
    this.spki = spki;
    this.keyId = HexFormat.of().formatHex(CanonicalJson.sha256(spki));
  }

  /** Wraps a JCA public key (RSA, Ed25519 or P-256). */
  public static TufKey of(PublicKey key) {
    return switch (key.getAlgorithm()) {
      case "RSA" -> new TufKey(KeyType.RSA, key);
      case "Ed25519", "EdDSA" -> new TufKey(KeyType.ED25519, key);
      case "EC" -> new TufKey(KeyType.ECPRIME256V1, key);
      default -> throw new MetadataException("unsupported key algorithm " + key.getAlgorithm());
    };
  }

  public KeyType type() {
    return type;
  }

  public PublicKey publicKey() {
    PublicKey k = key;
    if (k == null) {
      try {
        k = KeyFactory.getInstance("Ed25519").generatePublic(spec(spki));
      } catch (GeneralSecurityException e) {
        // 32 bytes always decode (the JDK checks no curve equation on import)
        throw new IllegalStateException("the JDK refused an Ed25519 public key", e);
      }
      key = k;
    }
    return k;
  }

  /** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
  public String keyId() {
    return keyId;
  }

  /** DER SubjectPublicKeyInfo. */
  public byte[] spki() {
    return spki.clone();
  }

  /** Modulus bits for RSA, 256 for Ed25519 and P-256. */
  public int bits() {
    if (key instanceof RSAPublicKey r) {
      return r.getModulus().bitLength();
    }
    if (key instanceof ECPublicKey e) {
      return e.getParams().getCurve().getField().getFieldSize();
    }
    return 256;
  }

  /** One-word description for messages, e.g. "RSA-3072" or "Ed25519". */
  public String describe() {
    return switch (type) {
      case RSA -> "RSA-" + bits();
      case ED25519 -> "Ed25519";
      case ECPRIME256V1 -> "ECDSA P-256";
    };
  }

  /** The {@code keyval.public} value: SPKI PEM for RSA, raw hex for Ed25519, SPKI hex for EC. */
  public String publicValue() {
    return switch (type) {
      case RSA -> pem("PUBLIC KEY", spki);
      case ED25519 ->
          HexFormat.of().formatHex(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
      case ECPRIME256V1 -> HexFormat.of().formatHex(spki);
    };
  }

  /** {@code {"keytype": …, "keyval": {"public": …}}}. */
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("keytype", type.json());
    o.set("keyval", MetadataJson.object().put("public", publicValue()));
    return o;
  }

  /**
   * Why this key cannot be a signing key for an Uptane role, or null when it can. aktualizr accepts
   * only RSA 2048/3072/4096 and Ed25519 (compat spec §8, §12).
   */
  public String unusableForRolesReason() {
    return switch (type) {
      case ED25519 -> null;
      case RSA -> {
        int b = bits();
        yield b == 2048 || b == 3072 || b == 4096
            ? null
            : "RSA-"
                + b
                + " keys are rejected by aktualizr, which accepts only 2048, 3072 or 4096"
                + " bits";
      }
      case ECPRIME256V1 ->
          "ECDSA P-256 keys cannot sign Uptane metadata: neither ota-tuf nor aktualizr verifies"
              + " ECDSA";
    };
  }

  /**
   * Keys already read, by keytype and public value: a key is parsed once per process, though a
   * {@code root sign} reads the new root's, the previous root's and the key files' forms of the
   * same keys (an RSA key factory run, a re-encoding and a SHA-256 each). Bounded: emptied when
   * full.
   */
  private static final Map<String, TufKey> READ = new ConcurrentHashMap<>();

  private static final int READ_MAX = 256;

  /** Parses a public key file or a root.json key object; errors name {@code what}. */
  public static TufKey fromJson(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw new MetadataException(what + " is not a key object");
    }
    JsonNode kt = node.get("keytype");
    JsonNode val = node.path("keyval").get("public");
    if (kt == null || !kt.isTextual() || val == null || !val.isTextual()) {
      throw new MetadataException(
          what + " is not a public key: expected {\"keytype\", \"keyval\": {\"public\"}}");
    }
    String id = kt.textValue() + '\n' + val.textValue();
    TufKey known = READ.get(id);
    if (known != null) {
      return known;
    }
    TufKey k = parse(kt.textValue(), val.textValue(), what);
    if (READ.size() >= READ_MAX) {
      READ.clear();
    }
    READ.put(id, k);
    return k;
  }

  private static TufKey parse(String keytype, String value, String what) {
    KeyType type = KeyType.fromJson(keytype, what);
    try {
      return switch (type) {
        case RSA -> {
          byte[] der = pemBody(value, what);
          PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
          yield new TufKey(type, k);
        }
        case ED25519 -> new TufKey(type, null, ed25519Spki(HexFormat.of().parseHex(value)));
        case ECPRIME256V1 -> {
          byte[] der = HexFormat.of().parseHex(value);
          yield new TufKey(type, KeyFactory.getInstance("EC").generatePublic(spec(der)));
        }
      };
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new MetadataException(what + " holds an unreadable " + type.json() + " public key");
    }
  }

  /**
   * Reads a PEM public key as {@code user-keys importpub} does: X.509 SPKI (RSA, P-256, Ed25519) or
   * PKCS#1 {@code RSA PUBLIC KEY}.
   */
  public static TufKey fromPem(String text, String what) {
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new MetadataException(what + " holds no PEM public key");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new MetadataException(what + " holds malformed PEM base64");
    }
    if ("RSA PUBLIC KEY".equals(m.group(1))) {
      der = RsaKeyEncoding.rsaPkcs1PublicToSpki(der);
    } else if (!"PUBLIC KEY".equals(m.group(1))) {
      throw new MetadataException(
          what + " holds a " + m.group(1).toLowerCase(Locale.ROOT) + ", not a public key",
          "export the public half, e.g. openssl pkey -pubout");
    }
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return of(KeyFactory.getInstance(alg).generatePublic(spec(der)));
      } catch (GeneralSecurityException | MetadataException e) {
        // try the next algorithm, as garage-sign does
      }
    }
    throw new MetadataException(what + " holds a public key that is not RSA, P-256 or Ed25519");
  }

  /** An Ed25519 public key from its 32 raw bytes. */
  public static PublicKey ed25519(byte[] raw) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePublic(spec(ed25519Spki(raw)));
  }

  /** The DER SubjectPublicKeyInfo of 32 raw Ed25519 bytes (RFC 8410). */
  private static byte[] ed25519Spki(byte[] raw) throws GeneralSecurityException {
    if (raw.length != 32) {
      throw new GeneralSecurityException("Ed25519 key must be 32 bytes");
    }
    byte[] der = Arrays.copyOf(ED25519_SPKI_PREFIX, 44);
    System.arraycopy(raw, 0, der, 12, 32);
    return der;
  }

  private static X509EncodedKeySpec spec(byte[] der) {
    return new X509EncodedKeySpec(der);
  }

  static byte[] pemBody(String pem, String what) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new MetadataException(what + " holds no PEM block");
    }
    return Base64.getMimeDecoder().decode(m.group(2));
  }

  /** BouncyCastle-style PEM: 64-character lines, LF, trailing newline (compat spec §3.3). */
  static String pem(String label, byte[] der) {
    String b64 = Base64.getEncoder().encodeToString(der);
    StringBuilder s = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
    for (int i = 0; i < b64.length(); i += 64) {
      s.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
    }
    return s.append("-----END ").append(label).append("-----\n").toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TufKey k && Arrays.equals(spki, k.spki);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(spki);
  }

  @Override
  public String toString() {
    return describe() + " " + keyId;
  }
}
