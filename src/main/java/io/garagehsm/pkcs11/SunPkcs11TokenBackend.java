package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKC_X_509;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_CERTIFICATE;

import io.garagehsm.secret.SecretSource;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

/**
 * Signs through the JDK's SunPKCS11 provider (RSA only; SunPKCS11 has no EdDSA).
 *
 * <p>SunPKCS11 can select a token only by slot ID and its KeyStore hides keys that have no
 * certificate. So token discovery, login checks, key lookup and key generation run through the IAIK
 * wrapper on the same module; this backend then stores a minimal self-signed certificate with the
 * key's CKA_ID when there is none, and signs with the key SunPKCS11's KeyStore returns. SunPKCS11
 * initialises a library once per process and never finalises it, so the module is pinned (never
 * C_Finalize'd) for the rest of the JVM: tokens created later by another process stay invisible to
 * it. Tests of this backend therefore run in their own JVM.
 */
final class SunPkcs11TokenBackend implements TokenBackend {

  /** One SunPKCS11 provider per (library, slot) for the life of the JVM: it cannot be closed. */
  private static final Map<String, Provider> PROVIDERS = new HashMap<>();

  private static final SecureRandom RANDOM = new SecureRandom();

  private final IaikTokenBackend discovery;

  SunPkcs11TokenBackend(Path modulePath, BackendOptions options) {
    this.discovery = new IaikTokenBackend(modulePath, options, true);
  }

  @Override
  public BackendKind kind() {
    return BackendKind.SUNPKCS11;
  }

  @Override
  public Path modulePath() {
    return discovery.modulePath();
  }

  @Override
  public List<TokenDescription> tokens() {
    return discovery.tokens();
  }

  @Override
  public List<TokenDescription> presentTokens() {
    return discovery.presentTokens();
  }

  @Override
  public List<KeyDescription> keys(Pkcs11Uri token) {
    return discovery.keys(token);
  }

  @Override
  public List<KeyDescription> keys(Pkcs11Uri token, SecretSource pinsOrNull) {
    return discovery.keys(token, pinsOrNull);
  }

  @Override
  public TokenKey openKey(Pkcs11Uri keyUri, SecretSource pins) {
    return adopt(discovery.openIaikKey(keyUri, pins));
  }

  @Override
  public TokenKey generate(
      Pkcs11Uri token, String label, KeyAlgorithm algorithm, SecretSource pins) {
    if (algorithm.keyType() == KeyType.ED25519) {
      throw noEdDsa();
    }
    return adopt(discovery.generateIaikKey(token, label, algorithm, pins));
  }

  static TokenException noEdDsa() {
    return new TokenException(
        TokenException.Category.BACKEND_UNSUPPORTED,
        "SunPKCS11 has no EdDSA; use --backend iaik",
        null,
        "the JDK's SunPKCS11 provider (JDK 17 and 25) offers no Ed25519 signatures",
        null);
  }

  /** Turns a key found through the wrapper into one SunPKCS11 signs with. */
  private TokenKey adopt(IaikTokenKey located) {
    try {
      if (located.keyType() == KeyType.ED25519) {
        throw noEdDsa();
      }
      if (located.keyType() != KeyType.RSA) {
        // P-256 keys are readable but never sign here; no certificate needed.
        return new SunPkcs11TokenKey(located, null, null);
      }
      if (located.alwaysAuthenticate()) {
        throw new TokenException(
            TokenException.Category.BACKEND_UNSUPPORTED,
            "key '"
                + located.label()
                + "' needs a login per signature (CKA_ALWAYS_AUTHENTICATE),"
                + " which SunPKCS11 cannot do; use --backend iaik");
      }
      if (located.id().length == 0) {
        throw new TokenException(
            TokenException.Category.BACKEND_UNSUPPORTED,
            "key '"
                + located.label()
                + "' has no CKA_ID, which SunPKCS11 needs to pair it with a"
                + " certificate; use --backend iaik");
      }
      ensureCertificate(located);
      Provider provider = provider(located.token().slotId());
      PrivateKey privateKey = findPrivateKey(provider, located);
      return new SunPkcs11TokenKey(located, provider, privateKey);
    } catch (RuntimeException e) {
      located.close();
      throw e;
    }
  }

  /** Stores a self-signed certificate with the key's CKA_ID unless one is already there. */
  private void ensureCertificate(IaikTokenKey key) {
    Session session = discovery.login().openSession(key.token(), true);
    try {
      AttributeVector sameId = AttributeVector.newX509Certificate().id(key.id());
      if (IaikKeyObjects.find(session, sameId).length > 0) {
        return;
      }
      String name =
          key.label().isEmpty() ? java.util.HexFormat.of().formatHex(key.id()) : key.label();
      SelfSignedCertificate certificate =
          SelfSignedCertificate.build(
              name,
              key.publicKey(),
              new BigInteger(63, RANDOM).add(BigInteger.ONE),
              Instant.now(),
              tbs -> key.sign(SignatureAlgorithm.RSA_PSS_SHA256, tbs));
      AttributeVector template =
          new AttributeVector()
              .class_(CKO_CERTIFICATE)
              .certificateType(CKC_X_509)
              .token(true)
              .private_(false)
              .label(name)
              .id(key.id())
              .subject(certificate.subject())
              .value(certificate.encoded());
      try {
        session.createObject(template);
      } catch (PKCS11Exception e) {
        throw Pkcs11Errors.translate(
            e, "cannot store the certificate SunPKCS11 needs for key '" + key.label() + "'");
      }
      discovery
          .options()
          .diagnostics()
          .accept(
              "note: stored a self-signed certificate for key '"
                  + key.label()
                  + "' so that SunPKCS11 can use it");
    } finally {
      IaikLogin.closeQuietly(session);
    }
  }

  private Provider provider(long slotId) {
    String library = LoadedModules.key(discovery.modulePath()).toString();
    String cacheKey = library + "#" + slotId;
    synchronized (PROVIDERS) {
      Provider p = PROVIDERS.get(cacheKey);
      if (p == null) {
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
          throw new TokenException(
              TokenException.Category.BACKEND_UNSUPPORTED,
              "this JDK has no SunPKCS11 provider; use --backend iaik");
        }
        String config =
            "--name=garagehsm-"
                + PROVIDERS.size()
                + "\nlibrary="
                + library
                + "\nslot="
                + slotId
                + "\n";
        p = base.configure(config);
        PROVIDERS.put(cacheKey, p);
      }
      return p;
    }
  }

  /**
   * The SunPKCS11 private key whose certificate carries our public key. The user is already logged
   * in through the wrapper (login state is per token and process), so the KeyStore is loaded
   * without a PIN.
   */
  private static PrivateKey findPrivateKey(Provider provider, IaikTokenKey key) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS11", provider);
      store.load(null, null);
      for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
        String alias = aliases.nextElement();
        Certificate certificate = store.getCertificate(alias);
        if (store.isKeyEntry(alias)
            && certificate != null
            && certificate.getPublicKey().equals(key.publicKey())) {
          return (PrivateKey) store.getKey(alias, null);
        }
      }
    } catch (GeneralSecurityException | java.io.IOException | java.security.ProviderException e) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "SunPKCS11 cannot load the key store of token '"
              + key.token().label()
              + "': "
              + String.valueOf(e.getMessage()).replace('\n', ' '),
          null,
          null,
          e);
    }
    throw new TokenException(
        TokenException.Category.KEY_NOT_FOUND,
        "SunPKCS11 does not show key '" + key.label() + "' although its certificate is stored",
        null,
        "use --backend iaik",
        null);
  }

  @Override
  public void close() {
    discovery.close();
  }
}
