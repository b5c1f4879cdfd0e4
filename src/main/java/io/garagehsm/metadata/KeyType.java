package io.garagehsm.metadata;

/** garage-sign key types, as written in key files and root.json ({@code keytype}). */
public enum KeyType {
  RSA("RSA"),
  ED25519("ED25519"),
  /** Importable, but no verifier in the Uptane chain accepts it (compat spec §3.3, §12). */
  ECPRIME256V1("ECPRIME256V1");

  private final String json;

  KeyType(String json) {
    this.json = json;
  }

  /** The {@code keytype} string. */
  public String json() {
    return json;
  }

  /** Case-sensitive, as libtuf's decoder (compat spec §3.3). */
  public static KeyType fromJson(String value, String what) {
    for (KeyType t : values()) {
      if (t.json.equals(value)) {
        return t;
      }
    }
    throw new MetadataException(
        what + ": unknown keytype \"" + value + "\"",
        "keytype must be RSA or ED25519 (upper case)");
  }

  /** The signature method that goes with this key type. */
  public SignatureMethod method() {
    return switch (this) {
      case RSA -> SignatureMethod.RSASSA_PSS_SHA256;
      case ED25519 -> SignatureMethod.ED25519;
      case ECPRIME256V1 -> SignatureMethod.EC_PRIME256V1;
    };
  }
}
