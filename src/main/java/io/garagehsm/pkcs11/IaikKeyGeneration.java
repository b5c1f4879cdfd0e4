package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_PRIVATE_EXPONENT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC_EDWARDS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_RSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EC_EDWARDS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_PSS;

import iaik.pkcs.pkcs11.wrapper.CK_ATTRIBUTE;
import io.garagehsm.pkcs11.IaikKeyObjects.LocatedKey;
import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.KeyPairTemplate;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11KeyPair;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;

/**
 * Key-pair generation on a token for the IAIK backend: checks the token offers the mechanisms and
 * size, refuses an existing label, generates in one C_GenerateKeyPair with the final attributes
 * (sensitive, non-extractable) and proves the private value cannot be read, destroying the pair
 * otherwise.
 */
final class IaikKeyGeneration {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] ED25519_OID = HexFormat.of().parseHex("06032b6570");

  private final PKCS11Module module;
  private final IaikTokenDiscovery discovery;
  private final BackendOptions options;

  IaikKeyGeneration(PKCS11Module module, IaikTokenDiscovery discovery, BackendOptions options) {
    this.module = module;
    this.discovery = discovery;
    this.options = options;
  }

  /**
   * Generates the key pair in a read-write session the user is logged in to, and locates its
   * private key through {@code tokenUri}.
   */
  LocatedKey generate(
      Session session, FoundToken token, Pkcs11Uri tokenUri, String label, KeyAlgorithm algorithm) {
    AttributeVector sameLabel = new AttributeVector().label(label);
    if (IaikKeyObjects.find(session, sameLabel).length > 0) {
      throw new TokenException(
          TokenException.Category.LABEL_EXISTS,
          "token '"
              + token.label()
              + "' already has an object labelled '"
              + label
              + "'; refusing to overwrite it",
          null,
          "choose another label (existing keys are never replaced)",
          null);
    }
    byte[] id = freshId(session);
    PKCS11KeyPair pair = generateKeyPair(session, algorithm, label, id, discovery.quirks(token));
    try {
      verifyNotExtractable(session, pair.getPrivateKey(), algorithm.keyType(), label);
    } catch (TokenException e) {
      destroyQuietly(session, pair.getPrivateKey());
      destroyQuietly(session, pair.getPublicKey());
      throw e;
    }
    return IaikKeyObjects.locatePrivateKey(session, token, tokenUri.withObject(label, id));
  }

  /** Before any login: the token must generate and sign with the algorithm, at this size. */
  void checkMechanisms(FoundToken token, KeyAlgorithm algorithm) {
    long gen =
        algorithm.keyType() == KeyType.RSA
            ? CKM_RSA_PKCS_KEY_PAIR_GEN
            : CKM_EC_EDWARDS_KEY_PAIR_GEN;
    long sign = algorithm.keyType() == KeyType.RSA ? CKM_RSA_PKCS_PSS : CKM_EDDSA;
    List<MechanismDescription> offered = discovery.mechanisms(token.slotId());
    Optional<MechanismDescription> genInfo =
        offered.stream().filter(m -> m.code() == gen).findFirst();
    // RSA: any path to RSASSA-PSS will do (PSS, SHA256-PSS, or raw RSA with host encoding).
    boolean canSign =
        algorithm.keyType() == KeyType.RSA
            ? IaikSigningPaths.pick(
                    discovery.signMechanisms(token.slotId()), discovery.quirks(token))
                != RsaSigningPath.NONE
            : offered.stream().anyMatch(m -> m.code() == sign);
    String what = algorithm.keyType() == KeyType.RSA ? "RSA" : "Ed25519 (EdDSA)";
    if (genInfo.isEmpty() || !canSign) {
      throw new TokenException(
          TokenException.Category.MECHANISM_UNSUPPORTED,
          "token '"
              + token.label()
              + "' cannot generate or sign with "
              + what
              + " keys ("
              + (genInfo.isEmpty()
                  ? IaikTokenDiscovery.mechanismName(gen)
                  : algorithm.keyType() == KeyType.RSA
                      ? "RSA_PKCS_PSS, SHA256_RSA_PKCS_PSS and RSA_X_509"
                      : IaikTokenDiscovery.mechanismName(sign))
              + " not offered)",
          null,
          algorithm.keyType() == KeyType.ED25519
              ? "use an RSA key on this token, or a token with PKCS#11 3.0 EdDSA (SoftHSM2, YubiHSM 2)"
              : null,
          null);
    }
    if (algorithm.keyType() == KeyType.RSA) {
      MechanismDescription m = genInfo.get();
      // Some modules report RSA sizes in bytes; accept either reading.
      boolean inBits = m.minKeySize() <= algorithm.bits() && algorithm.bits() <= m.maxKeySize();
      boolean inBytes =
          m.minKeySize() <= algorithm.bits() / 8 && algorithm.bits() / 8 <= m.maxKeySize();
      if (m.maxKeySize() > 0 && !inBits && !inBytes) {
        throw new TokenException(
            TokenException.Category.MECHANISM_UNSUPPORTED,
            "token '"
                + token.label()
                + "' generates RSA keys of "
                + m.minKeySize()
                + " to "
                + m.maxKeySize()
                + " bits only, not "
                + algorithm.bits(),
            null,
            "choose a supported key size",
            null);
      }
    }
  }

  private static byte[] freshId(Session session) {
    for (int attempt = 0; attempt < 16; attempt++) {
      byte[] id = new byte[8];
      RANDOM.nextBytes(id);
      if (IaikKeyObjects.find(session, new AttributeVector().id(id)).length == 0) {
        return id;
      }
    }
    throw new TokenException(TokenException.Category.OTHER, "cannot find an unused CKA_ID");
  }

  /**
   * One C_GenerateKeyPair with the final attributes. A module whose quirk profile says so gets no
   * optional usage restrictions (CKA_DECRYPT/UNWRAP/ENCRYPT/WRAP=false) from the start: tpm2-pkcs11
   * rejects them beside CKA_VERIFY ("attr mismatch"), and its raw RSA is TPM2_RSA_Decrypt, which a
   * sign-only TPM key refuses. If the token rejects the template, retries once without the optional
   * restrictions — unless the lean template was the one refused: the same template again cannot
   * succeed, and on tpm2-pkcs11 1.9 each failed attempt leaves the new key loaded in the TPM (two
   * copies no PKCS#11 call flushes), so a second one only fills the TPM's object slots ("out of
   * memory for object contexts"). A module whose profile asks for it first gets the objects of the
   * failed attempt destroyed, and its profile's hint on the error.
   */
  private PKCS11KeyPair generateKeyPair(
      Session session, KeyAlgorithm algorithm, String label, byte[] id, ModuleQuirks quirks) {
    try {
      return session.generateKeyPair(
          mechanismFor(algorithm), template(algorithm, label, id, !quirks.omitUsageRestrictions()));
    } catch (PKCS11Exception e) {
      String name = Pkcs11Errors.ckrName(e.getErrorCode());
      if (quirks.cleanupFailedGeneration()) {
        destroyLeftovers(session, id);
      }
      if (quirks.omitUsageRestrictions()) {
        throw failed(e, algorithm, quirks);
      }
      if (!List.of(
              "CKR_TEMPLATE_INCONSISTENT",
              "CKR_ATTRIBUTE_VALUE_INVALID",
              "CKR_ATTRIBUTE_TYPE_INVALID",
              "CKR_TEMPLATE_INCOMPLETE",
              "CKR_ATTRIBUTE_READ_ONLY",
              "CKR_GENERAL_ERROR",
              "CKR_FUNCTION_FAILED")
          .contains(name)) {
        throw failed(e, algorithm, quirks);
      }
      options
          .diagnostics()
          .accept(
              "note: the token rejected the key template ("
                  + name
                  + "); retrying without the"
                  + " optional decrypt/unwrap/encrypt/wrap restrictions");
      try {
        return session.generateKeyPair(
            mechanismFor(algorithm), template(algorithm, label, id, false));
      } catch (PKCS11Exception e2) {
        if (quirks.cleanupFailedGeneration()) {
          destroyLeftovers(session, id);
        }
        throw failed(e2, algorithm, quirks);
      }
    }
  }

  /** The error of a failed generation, with the module profile's hint when it has one. */
  private static TokenException failed(PKCS11Exception e, KeyAlgorithm algorithm, ModuleQuirks q) {
    TokenException t = Pkcs11Errors.translate(e, "key generation (" + algorithm + ") failed");
    if (q.failedGenerationHint() == null || t.hint().isPresent()) {
      return t;
    }
    return new TokenException(
        t.category(), t.getMessage(), t.ckrName().orElse(null), q.failedGenerationHint(), e);
  }

  /** Destroys every object a failed generation may have left with the new key's CKA_ID. */
  private void destroyLeftovers(Session session, byte[] id) {
    long[] left;
    try {
      left = session.findObjectsSingle(new AttributeVector().id(id), 16);
    } catch (PKCS11Exception e) {
      return;
    }
    for (long handle : left) {
      destroyQuietly(session, handle);
    }
    if (left.length > 0) {
      options
          .diagnostics()
          .accept("note: removed " + left.length + " object(s) the failed key generation left");
    }
  }

  private static Mechanism mechanismFor(KeyAlgorithm algorithm) {
    return new Mechanism(
        algorithm.keyType() == KeyType.RSA
            ? CKM_RSA_PKCS_KEY_PAIR_GEN
            : CKM_EC_EDWARDS_KEY_PAIR_GEN);
  }

  static KeyPairTemplate template(
      KeyAlgorithm algorithm, String label, byte[] id, boolean withOptionalRestrictions) {
    long ckk = algorithm.keyType() == KeyType.RSA ? CKK_RSA : CKK_EC_EDWARDS;
    AttributeVector pub =
        AttributeVector.newPublicKey(ckk).token(true).id(id).label(label).verify(true);
    AttributeVector priv =
        AttributeVector.newPrivateKey(ckk)
            .token(true)
            .id(id)
            .label(label)
            .private_(true)
            .sensitive(true)
            .extractable(false)
            .sign(true);
    if (withOptionalRestrictions) {
      pub.encrypt(false).wrap(false);
      priv.decrypt(false).unwrap(false);
    }
    if (algorithm.keyType() == KeyType.RSA) {
      pub.modulusBits(algorithm.bits()).publicExponent(BigInteger.valueOf(65537));
    } else {
      pub.ecParams(ED25519_OID);
    }
    return new KeyPairTemplate(priv, pub);
  }

  /**
   * Proves the private key cannot leave the token: a raw C_GetAttributeValue of its secret value
   * must fail with CKR_ATTRIBUTE_SENSITIVE (SoftHSM) or CKR_ATTRIBUTE_TYPE_INVALID (tpm2-pkcs11),
   * and CKA_SENSITIVE/CKA_EXTRACTABLE must read TRUE/FALSE. The wrapper's getAttrValues hides a
   * sensitive attribute as an empty value, so it cannot prove this.
   */
  void verifyNotExtractable(Session session, long privateHandle, KeyType type, String label) {
    String probe = rawSecretValueProbe(session, privateHandle, type);
    if (!probe.equals("CKR_ATTRIBUTE_SENSITIVE") && !probe.equals("CKR_ATTRIBUTE_TYPE_INVALID")) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "the token answered "
              + probe
              + " when asked for the private value of key '"
              + label
              + "'; the key may be extractable and was destroyed",
          probe,
          null,
          null);
    }
    AttributeVector a =
        IaikKeyObjects.attributes(session, privateHandle, CKA_SENSITIVE, CKA_EXTRACTABLE);
    if (!Boolean.TRUE.equals(a.sensitive()) || !Boolean.FALSE.equals(a.extractable())) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "key '"
              + label
              + "' came out with CKA_SENSITIVE="
              + a.sensitive()
              + ", CKA_EXTRACTABLE="
              + a.extractable()
              + "; it was destroyed");
    }
  }

  /** The CKR name a raw read of the private value gives ({@code CKR_OK} would be a leak). */
  String rawSecretValueProbe(Session session, long privateHandle, KeyType type) {
    CK_ATTRIBUTE attribute = new CK_ATTRIBUTE();
    attribute.type = type == KeyType.RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE;
    try {
      module
          .getPKCS11Module()
          .C_GetAttributeValue(
              session.getSessionHandle(), privateHandle, new CK_ATTRIBUTE[] {attribute}, true);
      return "CKR_OK";
    } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
      return Pkcs11Errors.ckrName(e.getErrorCode());
    }
  }

  private static void destroyQuietly(Session session, long handle) {
    try {
      session.destroyObject(handle);
    } catch (PKCS11Exception e) {
      // Best effort: the generation already failed and is being reported.
    }
  }
}
