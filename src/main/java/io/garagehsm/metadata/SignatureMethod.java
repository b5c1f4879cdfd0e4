package io.garagehsm.metadata;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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
    byte[] spki = key.getEncoded();
    if (data == null || sig == null || spki == null || data.length > Verdicts.DATA_MAX) {
      return check(key, data, sig);
    }
    Verdicts.Inputs in = new Verdicts.Inputs(this, key.getAlgorithm(), spki, data, sig);
    Boolean known = Verdicts.get(in);
    if (known != null) {
      return known;
    }
    boolean ok = check(key, data, sig);
    Verdicts.put(in, ok);
    return ok;
  }

  /**
   * The verdicts of the last checks of small data, by their exact inputs. A root sign checks each
   * new signature up to seven times (after signing, threshold progress, both roots' thresholds, the
   * result), an Ed25519 check costs milliseconds in a short run, and the verdict depends on nothing
   * but these bytes.
   */
  private static final class Verdicts {
    static final int DATA_MAX = 1 << 16;
    private static final int KEPT = 32;
    private static final Map<Inputs, Boolean> LAST =
        new LinkedHashMap<>(64, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Inputs, Boolean> eldest) {
            return size() > KEPT;
          }
        };

    private Verdicts() {}

    static synchronized Boolean get(Inputs in) {
      return LAST.get(in);
    }

    static synchronized void put(Inputs in, boolean ok) {
      LAST.put(in, ok);
    }

    /** Copies of the inputs (callers may reuse their arrays). */
    static final class Inputs {
      private final SignatureMethod method;
      private final String algorithm;
      private final byte[] spki;
      private final byte[] data;
      private final byte[] sig;
      private final int hash;

      Inputs(SignatureMethod method, String algorithm, byte[] spki, byte[] data, byte[] sig) {
        this.method = method;
        this.algorithm = algorithm;
        this.spki = spki.clone();
        this.data = data.clone();
        this.sig = sig.clone();
        this.hash =
            Objects.hash(method, algorithm)
                ^ Arrays.hashCode(this.spki)
                ^ 31 * Arrays.hashCode(this.data)
                ^ 961 * Arrays.hashCode(this.sig);
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Inputs i
            && method == i.method
            && Objects.equals(algorithm, i.algorithm)
            && Arrays.equals(spki, i.spki)
            && Arrays.equals(data, i.data)
            && Arrays.equals(sig, i.sig);
      }

      @Override
      public int hashCode() {
        return hash;
      }
    }
  }

  private boolean check(PublicKey key, byte[] data, byte[] sig) {
    return prepare(key, data).verify(sig);
  }

  /**
   * A check of a signature over {@code data} by {@code key} that reads the data now and takes the
   * signature later: for large data, the check's own pass over the message (Ed25519 copies it,
   * RSA-PSS hashes it) runs while the signature is being made. Same verdicts as {@link #verify}.
   */
  public PreparedCheck prepare(PublicKey key, byte[] data) {
    try {
      Signature s;
      switch (this) {
        case RSASSA_PSS_SHA256 -> {
          if (!"RSA".equals(key.getAlgorithm())) {
            return PreparedCheck.REFUSED;
          }
          s = Signature.getInstance("RSASSA-PSS");
          s.setParameter(PSS_SALT_32);
        }
        case ED25519 -> {
          if (!("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm()))) {
            return PreparedCheck.REFUSED;
          }
          s = Signature.getInstance("Ed25519");
        }
        default -> {
          return PreparedCheck.REFUSED; // no verifier in the chain accepts ECDSA
        }
      }
      s.initVerify(key);
      s.update(data);
      return new PreparedCheck(s);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return PreparedCheck.REFUSED;
    }
  }

  /** A verifier that has read its data (see {@link #prepare}); use once. */
  public static final class PreparedCheck {
    static final PreparedCheck REFUSED = new PreparedCheck(null);

    private final Signature verifier;

    private PreparedCheck(Signature verifier) {
      this.verifier = verifier;
    }

    /** True when {@code sig} is a valid signature of the prepared data. */
    public boolean verify(byte[] sig) {
      if (verifier == null) {
        return false;
      }
      try {
        return verifier.verify(sig);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        return false;
      }
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
