package io.garagehsm.pkcs11;

/** Which Java PKCS#11 layer talks to the module. */
public enum BackendKind {
  /** org.xipki ipkcs11wrapper (JNI): everything, including Ed25519. The default. */
  IAIK,
  /** The JDK's SunPKCS11 provider for signing: RSA only, no EdDSA. */
  SUNPKCS11
}
