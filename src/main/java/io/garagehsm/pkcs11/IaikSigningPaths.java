package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_ALLOWED_MECHANISMS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKG_MGF1_SHA256;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_PSS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_X_509;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA256;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_RSA_PKCS_PSS;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.attrs.Attribute;
import org.xipki.pkcs11.wrapper.params.RSA_PKCS_PSS_PARAMS;

/**
 * Decides per RSA key what can really sign RSASSA-PSS, by capability rather than advertisement: the
 * key's CKA_ALLOWED_MECHANISMS when present, else the token's mechanism list, else a probe (sign a
 * random digest, verify it). A module whose quirk profile says it keeps mechanism parameters beyond
 * C_SignInit never gets PSS parameters: it signs through raw RSA with EMSA-PSS encoded on the host.
 * tpm2-pkcs11 1.9, for one, advertises no PSS although its keys allow it.
 */
final class IaikSigningPaths {

  private static final SecureRandom RANDOM = new SecureRandom();

  private IaikSigningPaths() {}

  /** The mechanisms a candidate set permits, in order of preference, after the quirks. */
  static RsaSigningPath pick(Set<Long> candidates, ModuleQuirks quirks) {
    if (!quirks.unsafeMechanismParameters()) {
      if (candidates.contains(CKM_RSA_PKCS_PSS)) {
        return RsaSigningPath.PSS;
      }
      if (candidates.contains(CKM_SHA256_RSA_PKCS_PSS)) {
        return RsaSigningPath.SHA256_PSS;
      }
    }
    return candidates.contains(CKM_RSA_X_509) ? RsaSigningPath.RAW_RSA : RsaSigningPath.NONE;
  }

  /**
   * A key's CKA_ALLOWED_MECHANISMS as read through the wrapper: {@code complete} when it came back
   * as a list; a single value (the wrapper's JNI layer returns one Long for lists of any length:
   * seen with tpm2-pkcs11's 12-entry lists) tells only that this mechanism is among them.
   */
  record AllowedMechanisms(Set<Long> known, boolean complete) {}

  /**
   * The path for a key with {@code allowedOrNull} on a token offering {@code tokenSignMechanisms},
   * without probing: a complete CKA_ALLOWED_MECHANISMS decides, otherwise the token's list.
   */
  static RsaSigningPath fromAttributes(
      AllowedMechanisms allowedOrNull, Set<Long> tokenSignMechanisms, ModuleQuirks quirks) {
    Set<Long> candidates =
        allowedOrNull != null && allowedOrNull.complete()
            ? allowedOrNull.known()
            : tokenSignMechanisms;
    return pick(candidates, quirks);
  }

  /** As above for a complete list given as an array (tests). */
  static RsaSigningPath fromAllowedList(
      long[] allowedOrNull, Set<Long> tokenSignMechanisms, ModuleQuirks quirks) {
    return fromAttributes(
        allowedOrNull == null || allowedOrNull.length == 0
            ? null
            : new AllowedMechanisms(toSet(allowedOrNull), true),
        tokenSignMechanisms,
        quirks);
  }

  /**
   * The key's CKA_ALLOWED_MECHANISMS, or null when the module has none for it (absent or empty: no
   * restriction). The wrapper's typed accessor fails (ClassCastException) on the single value its
   * JNI layer returns, so the raw value is read.
   */
  static AllowedMechanisms allowedMechanisms(Session session, long handle) {
    Object v;
    try {
      Attribute a =
          session
              .getAttrValues(handle, CKA_ALLOWED_MECHANISMS)
              .getAttribute(CKA_ALLOWED_MECHANISMS);
      v = a == null || a.getCkAttribute() == null ? null : a.getCkAttribute().pValue;
    } catch (PKCS11Exception | RuntimeException e) {
      return null; // not supported by the module for this object: no restriction known
    }
    if (v instanceof long[] array) {
      return array.length == 0 ? null : new AllowedMechanisms(toSet(array), true);
    }
    if (v instanceof Long one) {
      return new AllowedMechanisms(Set.of(one), false);
    }
    return null;
  }

  /**
   * The path for an RSA private key in a logged-in session. A complete CKA_ALLOWED_MECHANISMS
   * decides; an unrestricted key takes what the token advertises; otherwise (a list the wrapper
   * could not read whole, or nothing advertised) each candidate allowed by the quirks is tried with
   * a test signature that must verify.
   */
  static RsaSigningPath choose(
      Session session,
      long privateHandle,
      PublicKey publicKey,
      Set<Long> tokenSignMechanisms,
      ModuleQuirks quirks,
      Consumer<String> diagnostics) {
    AllowedMechanisms allowed = allowedMechanisms(session, privateHandle);
    if (allowed != null && allowed.complete()) {
      return pick(allowed.known(), quirks);
    }
    RsaSigningPath advertised = pick(tokenSignMechanisms, quirks);
    if (allowed == null && advertised != RsaSigningPath.NONE) {
      return advertised;
    }
    for (RsaSigningPath candidate :
        quirks.unsafeMechanismParameters()
            ? new RsaSigningPath[] {RsaSigningPath.RAW_RSA}
            : new RsaSigningPath[] {
              RsaSigningPath.PSS, RsaSigningPath.SHA256_PSS, RsaSigningPath.RAW_RSA
            }) {
      if (probe(session, privateHandle, publicKey, candidate)) {
        if (candidate != advertised) {
          diagnostics.accept(
              "note: using "
                  + candidate.display()
                  + " for RSA-PSS: a test signature with it verified"
                  + (advertised == RsaSigningPath.NONE
                      ? " (the token advertises no PSS-capable mechanism)"
                      : " (the key does not allow " + advertised.display() + ")"));
        }
        return candidate;
      }
    }
    return RsaSigningPath.NONE;
  }

  private static boolean probe(
      Session session, long privateHandle, PublicKey publicKey, RsaSigningPath path) {
    byte[] message = new byte[32];
    RANDOM.nextBytes(message);
    try {
      byte[] signature = sign(session, privateHandle, publicKey, path, message);
      return verifies(publicKey, message, signature);
    } catch (PKCS11Exception | TokenException e) {
      return false;
    }
  }

  /** One RSASSA-PSS signature over {@code message} along {@code path}; single-part C_Sign. */
  static byte[] sign(
      Session session, long privateHandle, PublicKey publicKey, RsaSigningPath path, byte[] message)
      throws PKCS11Exception {
    byte[] input = init(session, privateHandle, publicKey, path, message);
    return finish(publicKey, path, session.sign(input));
  }

  /** The signature from C_Sign's output (raw RSA: left-padded to the modulus length). */
  static byte[] finish(PublicKey publicKey, RsaSigningPath path, byte[] output) {
    return path == RsaSigningPath.RAW_RSA
        ? EmsaPss.leftPad(output, ((RSAPublicKey) publicKey).getModulus().bitLength())
        : output;
  }

  /** Starts a signature along {@code path} (C_SignInit) and returns the input for C_Sign. */
  static byte[] init(
      Session session, long privateHandle, PublicKey publicKey, RsaSigningPath path, byte[] message)
      throws PKCS11Exception {
    switch (path) {
      case PSS -> {
        session.signInit(pssMechanism(CKM_RSA_PKCS_PSS), privateHandle);
        return EmsaPss.sha256(message);
      }
      case SHA256_PSS -> {
        session.signInit(pssMechanism(CKM_SHA256_RSA_PKCS_PSS), privateHandle);
        return message;
      }
      case RAW_RSA -> {
        int bits = ((RSAPublicKey) publicKey).getModulus().bitLength();
        byte[] block = EmsaPss.encodeForRawRsa(EmsaPss.sha256(message), bits);
        session.signInit(new Mechanism(CKM_RSA_X_509), privateHandle);
        return block;
      }
      default ->
          throw new TokenException(
              TokenException.Category.MECHANISM_UNSUPPORTED,
              "no RSA-PSS mechanism is usable with this key");
    }
  }

  private static Mechanism pssMechanism(long code) {
    return new Mechanism(code, new RSA_PKCS_PSS_PARAMS(CKM_SHA256, CKG_MGF1_SHA256, 32));
  }

  static boolean verifies(PublicKey publicKey, byte[] message, byte[] signature) {
    try {
      Signature v = Signature.getInstance("RSASSA-PSS");
      v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      v.initVerify(publicKey);
      v.update(message);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Set<Long> toSet(long[] values) {
    Set<Long> s = new HashSet<>();
    for (long v : values) {
      s.add(v);
    }
    return s;
  }
}
