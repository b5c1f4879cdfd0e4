package io.garagehsm.pkcs11;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * A key signed with through SunPKCS11. The wrapper-side key it came from keeps the login (and the
 * session that holds it) until close.
 */
final class SunPkcs11TokenKey implements TokenKey {
  private static final PSSParameterSpec PSS_SHA256_SALT32 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  private final IaikTokenKey located;
  private final Provider provider;
  private final PrivateKey privateKey;

  SunPkcs11TokenKey(IaikTokenKey located, Provider provider, PrivateKey privateKey) {
    this.located = located;
    this.provider = provider;
    this.privateKey = privateKey;
  }

  /** The wrapper-side key (for the non-extractability probe in tests). */
  IaikTokenKey located() {
    return located;
  }

  @Override
  public PublicKey publicKey() {
    return located.publicKey();
  }

  @Override
  public KeyType keyType() {
    return located.keyType();
  }

  @Override
  public Pkcs11Uri uri() {
    return located.uri();
  }

  @Override
  public String tokenSerial() {
    return located.tokenSerial();
  }

  @Override
  public byte[] sign(SignatureAlgorithm algorithm, byte[] message) {
    if (algorithm == SignatureAlgorithm.ED25519) {
      throw SunPkcs11TokenBackend.noEdDsa();
    }
    if (privateKey == null || keyType() != KeyType.RSA) {
      throw new TokenException(
          TokenException.Category.KEY_TYPE_UNSUPPORTED,
          "key '"
              + located.label()
              + "' is "
              + keyType()
              + "; it cannot make "
              + algorithm
              + " signatures");
    }
    RsaSigningPath path = located.rsaSigningPath();
    if (path == RsaSigningPath.RAW_RSA) {
      return signRaw(message);
    }
    if (path == RsaSigningPath.NONE) {
      // the wrapper-side key explains which mechanisms were tried
      return located.sign(algorithm, message);
    }
    try {
      // A fresh Signature each time, parameters set before initSign: SunPKCS11's PSS signature
      // fails on reuse with CKR_OPERATION_ACTIVE when setParameter follows initSign (JDK 17, 25).
      Signature signature =
          Signature.getInstance(
              path == RsaSigningPath.SHA256_PSS ? "SHA256withRSASSA-PSS" : "RSASSA-PSS", provider);
      signature.setParameter(PSS_SHA256_SALT32);
      signature.initSign(privateKey);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "SunPKCS11 signing with key '"
              + located.label()
              + "' failed: "
              + String.valueOf(e.getMessage()).replace('\n', ' '),
          null,
          null,
          e);
    }
  }

  /**
   * RSASSA-PSS through raw RSA: EMSA-PSS encoded here, the private-key operation by SunPKCS11's
   * "RSA/ECB/NoPadding" (CKM_RSA_X_509; encrypting with a private key is C_Sign there). No
   * mechanism parameters reach the module, whose profile may say it keeps them.
   */
  private byte[] signRaw(byte[] message) {
    int bits =
        ((java.security.interfaces.RSAPublicKey) located.publicKey()).getModulus().bitLength();
    byte[] block = EmsaPss.encodeForRawRsa(EmsaPss.sha256(message), bits);
    try {
      javax.crypto.Cipher raw = javax.crypto.Cipher.getInstance("RSA/ECB/NoPadding", provider);
      raw.init(javax.crypto.Cipher.ENCRYPT_MODE, privateKey);
      return EmsaPss.leftPad(raw.doFinal(block), bits);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "SunPKCS11 raw RSA with key '"
              + located.label()
              + "' failed: "
              + String.valueOf(e.getMessage()).replace('\n', ' '),
          null,
          null,
          e);
    }
  }

  @Override
  public void close() {
    located.close();
  }
}
