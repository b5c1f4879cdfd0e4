package io.garagehsm.metadata;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * Signature methods of the envelope (compat spec §8): RSASSA-PSS with SHA-256, MGF1-SHA-256 and a
 * salt of exactly 32 bytes, or pure Ed25519. ECDSA exists only as a name that nothing verifies.
 */
public enum SignatureMethod {
  RSASSA_PSS_SHA256("rsassa-pss-sha256"),
  ED25519("ed25519"),
  EC_PRIME256V1("ecPrime256v1");

  /** The one PSS parameter set ota-tuf accepts. */
  public static final PSSParameterSpec PSS_SALT_32 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  private final String json;

  SignatureMethod(String json) {
    this.json = json;
  }

  /** The {@code method} string written into signatures. */
  public String json() {
    return json;
  }

  /** Parses a {@code method}; {@code rsassa-pss} is accepted as a synonym (compat spec §6.1). */
  public static SignatureMethod fromJson(String value) {
    if ("rsassa-pss".equals(value)) {
      return RSASSA_PSS_SHA256;
    }
    for (SignatureMethod m : values()) {
      if (m.json.equals(value)) {
        return m;
      }
    }
    throw new MetadataException(
        "unknown signature method \"" + value + "\"", "use rsassa-pss-sha256 or ed25519");
  }

  /** True when {@code sig} is a valid signature of {@code data} by {@code key} in this method. */
  public boolean verify(PublicKey key, byte[] data, byte[] sig) {
    try {
      Signature s;
      switch (this) {
        case RSASSA_PSS_SHA256 -> {
          if (!"RSA".equals(key.getAlgorithm())) {
            return false;
          }
          s = Signature.getInstance("RSASSA-PSS");
          s.setParameter(PSS_SALT_32);
        }
        case ED25519 -> {
          if (!("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm()))) {
            return false;
          }
          s = Signature.getInstance("Ed25519");
        }
        default -> {
          return false; // no verifier in the chain accepts ECDSA
        }
      }
      s.initVerify(key);
      s.update(data);
      return s.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Signs with an in-memory private key (file keys). */
  public byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
    Signature s;
    switch (this) {
      case RSASSA_PSS_SHA256 -> {
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(PSS_SALT_32);
      }
      case ED25519 -> s = Signature.getInstance("Ed25519");
      default -> throw new MetadataException("ECDSA keys cannot sign Uptane metadata");
    }
    s.initSign(key);
    s.update(data);
    return s.sign();
  }
}
