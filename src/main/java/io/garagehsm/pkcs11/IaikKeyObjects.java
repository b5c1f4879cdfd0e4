package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_PARAMS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_ID;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_KEY_TYPE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_MODULUS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_PUBLIC_EXPONENT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC_EDWARDS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_RSA;

import io.garagehsm.pkcs11.IaikTokenDiscovery.FoundToken;
import java.math.BigInteger;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

/**
 * Key objects on a token, seen through an open session of the IAIK backend: finds them, reads their
 * public keys and types, describes them for listings and locates the one private key a URI names
 * (explaining "not found" and "ambiguous" with what is there).
 */
final class IaikKeyObjects {

  private static final int MAX_OBJECTS = 10_000;

  /** A private key located in a logged-in session, with what is known about it. */
  @SuppressWarnings("ArrayRecordComponent") // internal value, never compared or hashed
  record LocatedKey(
      long privateHandle,
      String label,
      byte[] id,
      KeyType keyType,
      PublicKey publicKey,
      boolean alwaysAuthenticate) {}

  private final BackendOptions options;

  IaikKeyObjects(BackendOptions options) {
    this.options = options;
  }

  /**
   * The key pairs of the token: its public-key objects and, when logged in, private keys without
   * one, each once by CKA_ID and label.
   */
  List<KeyDescription> describeKeys(
      Session session,
      FoundToken token,
      Pkcs11Uri tokenBase,
      boolean loggedIn,
      java.util.function.Function<IaikSigningPaths.AllowedMechanisms, RsaSigningPath> rsaPathOf) {
    Map<String, KeyDescription> byIdAndLabel = new LinkedHashMap<>();
    for (long handle : find(session, AttributeVector.newPublicKey())) {
      KeyDescription d = describeKeyObject(session, handle, tokenBase, true, rsaPathOf);
      byIdAndLabel.putIfAbsent(d.idHex() + "/" + d.label(), d);
    }
    boolean sawPublic = !byIdAndLabel.isEmpty();
    if (loggedIn) {
      for (long handle : find(session, AttributeVector.newPrivateKey())) {
        KeyDescription d = describeKeyObject(session, handle, tokenBase, false, rsaPathOf);
        byIdAndLabel.putIfAbsent(d.idHex() + "/" + d.label(), d);
      }
    } else if (!sawPublic) {
      options
          .diagnostics()
          .accept(
              "note: token '"
                  + token.label()
                  + "' shows no public-key objects without login; some tokens (e.g. YubiHSM 2)"
                  + " keep none, and their keys show only after a login ('key adopt' logs in to"
                  + " read one)");
    }
    return List.copyOf(byIdAndLabel.values());
  }

  static long[] find(Session session, AttributeVector template) {
    try {
      return session.findObjectsSingle(template, MAX_OBJECTS);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "C_FindObjects failed");
    }
  }

  static AttributeVector attributes(Session session, long handle, long... types) {
    try {
      return session.getAttrValues(handle, types);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "C_GetAttributeValue failed");
    }
  }

  /** Describes a public- or private-key object; the public key is null when not derivable. */
  private static KeyDescription describeKeyObject(
      Session session,
      long handle,
      Pkcs11Uri tokenBase,
      boolean isPublic,
      java.util.function.Function<IaikSigningPaths.AllowedMechanisms, RsaSigningPath>
          rsaPathOfOrNull) {
    AttributeVector a = attributes(session, handle, CKA_LABEL, CKA_ID, CKA_KEY_TYPE);
    String label = a.label() == null ? "" : a.label();
    byte[] id = a.id() == null ? new byte[0] : a.id();
    KeyType type = KeyType.OTHER;
    int bits = 0;
    PublicKey publicKey = null;
    try {
      publicKey = readPublicKey(session, handle, a.keyType(), isPublic);
      type = keyTypeOf(a.keyType(), session, handle);
      bits = bitsOf(publicKey, type);
    } catch (TokenException e) {
      type = a.keyType() == null ? KeyType.OTHER : keyTypeOf(a.keyType(), session, handle);
    }
    RsaSigningPath rsaPath =
        type == KeyType.RSA && rsaPathOfOrNull != null
            ? rsaPathOfOrNull.apply(IaikSigningPaths.allowedMechanisms(session, handle))
            : null;
    return new KeyDescription(
        label,
        HexFormat.of().formatHex(id),
        type,
        bits,
        publicKey,
        tokenBase.withObject(label, id),
        rsaPath);
  }

  private static KeyType keyTypeOf(Long ckk, Session session, long handle) {
    if (ckk == null) {
      return KeyType.OTHER;
    }
    if (ckk == CKK_RSA) {
      return KeyType.RSA;
    }
    if (ckk == CKK_EC_EDWARDS || ckk == CKK_EC) {
      KeyType t = PublicKeyDecoder.ecKeyType(attributes(session, handle, CKA_EC_PARAMS).ecParams());
      return ckk == CKK_EC_EDWARDS && t == KeyType.OTHER ? KeyType.OTHER : t;
    }
    return KeyType.OTHER;
  }

  private static int bitsOf(PublicKey key, KeyType type) {
    if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
      return rsa.getModulus().bitLength();
    }
    return switch (type) {
      case ED25519, EC_P256 -> 256;
      default -> 0;
    };
  }

  /**
   * Reads the public key from a public-key object, or from a private key's public attributes (RSA
   * modulus and exponent; CKA_EC_POINT where the module keeps it on the private key).
   */
  private static PublicKey readPublicKey(Session session, long handle, Long ckk, boolean isPublic) {
    if (ckk == null) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED, "key has no CKA_KEY_TYPE");
    }
    if (ckk == CKK_RSA) {
      AttributeVector a = attributes(session, handle, CKA_MODULUS, CKA_PUBLIC_EXPONENT);
      BigInteger n = a.modulus();
      BigInteger e = a.publicExponent();
      if (n == null || e == null) {
        throw new TokenException(
            TokenException.Category.KEY_TYPE_UNSUPPORTED,
            "the RSA " + (isPublic ? "public" : "private") + " key reveals no modulus/exponent");
      }
      return PublicKeyDecoder.rsa(n, e);
    }
    if (ckk == CKK_EC || ckk == CKK_EC_EDWARDS) {
      AttributeVector a = attributes(session, handle, CKA_EC_PARAMS, CKA_EC_POINT);
      if (a.ecPoint() == null) {
        throw new TokenException(
            TokenException.Category.KEY_TYPE_UNSUPPORTED, "the EC key reveals no CKA_EC_POINT");
      }
      return PublicKeyDecoder.ec(a.ecParams(), a.ecPoint());
    }
    throw new TokenException(
        TokenException.Category.KEY_TYPE_UNSUPPORTED,
        "unsupported key type "
            + org.xipki.pkcs11.wrapper.PKCS11Constants.codeToName(
                org.xipki.pkcs11.wrapper.PKCS11Constants.Category.CKK, ckk));
  }

  /** The one private key the URI's object/id names, or an error listing the keys present. */
  static LocatedKey locatePrivateKey(Session session, FoundToken token, Pkcs11Uri uri) {
    AttributeVector template = AttributeVector.newPrivateKey();
    uri.object().ifPresent(template::label);
    uri.id().ifPresent(template::id);
    long[] handles = find(session, template);
    if (handles.length == 0) {
      throw new TokenException(
          TokenException.Category.KEY_NOT_FOUND,
          "no private key matches "
              + describeSelector(uri)
              + " on token '"
              + token.label()
              + "'; keys present: "
              + listKeys(session),
          null,
          "check object=/id= in the pkcs11: URI",
          null);
    }
    if (handles.length > 1) {
      List<String> names = new ArrayList<>();
      for (long h : handles) {
        names.add(describeKeyObject(session, h, uri.tokenPart(), false, null).displayName());
      }
      throw new TokenException(
          TokenException.Category.KEY_AMBIGUOUS,
          "more than one private key matches "
              + describeSelector(uri)
              + " on token '"
              + token.label()
              + "': "
              + String.join(", ", names),
          null,
          "add id=<bytes, percent-encoded> to the pkcs11: URI",
          null);
    }
    long handle = handles[0];
    AttributeVector a =
        attributes(
            session,
            handle,
            CKA_LABEL,
            CKA_ID,
            CKA_KEY_TYPE,
            org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_ALWAYS_AUTHENTICATE);
    String label = a.label() == null ? "" : a.label();
    byte[] id = a.id() == null ? new byte[0] : a.id();
    PublicKey publicKey = publicKeyFor(session, handle, a.keyType(), label, id);
    KeyType type = keyTypeOf(a.keyType(), session, handle);
    if (type == KeyType.OTHER) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "key '" + label + "' is of a type this tool cannot use (RSA, Ed25519 and P-256 only)");
    }
    return new LocatedKey(
        handle, label, id, type, publicKey, Boolean.TRUE.equals(a.alwaysAuthenticate()));
  }

  /**
   * The public key: from the CKO_PUBLIC_KEY with the same CKA_ID (and label), else the private key.
   */
  private static PublicKey publicKeyFor(
      Session session, long privateHandle, Long ckk, String label, byte[] id) {
    AttributeVector template = AttributeVector.newPublicKey();
    if (id.length > 0) {
      template.id(id);
    } else if (!label.isEmpty()) {
      template.label(label);
    }
    long[] publics = id.length == 0 && label.isEmpty() ? new long[0] : find(session, template);
    if (publics.length > 1 && !label.isEmpty()) {
      publics = find(session, template.label(label));
    }
    if (publics.length == 1) {
      return readPublicKey(session, publics[0], ckk, true);
    }
    try {
      return readPublicKey(session, privateHandle, ckk, false);
    } catch (TokenException e) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "cannot read the public key of key '"
              + label
              + "': no matching public-key object and "
              + e.getMessage(),
          null,
          null,
          e);
    }
  }

  private static String describeSelector(Pkcs11Uri uri) {
    List<String> parts = new ArrayList<>();
    uri.object().ifPresent(o -> parts.add("object='" + o + "'"));
    uri.id().ifPresent(i -> parts.add("id=" + HexFormat.of().formatHex(i)));
    return String.join(" ", parts);
  }

  /** Labels and ids of all key objects visible in the session, for "not found" messages. */
  private static String listKeys(Session session) {
    Map<String, String> names = new LinkedHashMap<>();
    for (AttributeVector template :
        List.of(AttributeVector.newPrivateKey(), AttributeVector.newPublicKey())) {
      for (long h : find(session, template)) {
        AttributeVector a = attributes(session, h, CKA_LABEL, CKA_ID);
        String label = a.label() == null ? "" : a.label();
        String idHex = a.id() == null ? "" : HexFormat.of().formatHex(a.id());
        names.putIfAbsent(
            idHex + "/" + label, "'" + label + "' (id " + (idHex.isEmpty() ? "none" : idHex) + ")");
      }
    }
    return names.isEmpty() ? "none" : String.join(", ", names.values());
  }
}
