package io.garagehsm.pkcs11;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of the PKCS#11 wrapper library on the class path, for {@code --version}. */
public final class WrapperVersion {
  // Maven's pom.properties survives shading (the wrapper's manifest does not).
  private static final String POM_PROPERTIES =
      "/META-INF/maven/org.xipki/ipkcs11wrapper/pom.properties";

  private WrapperVersion() {}

  /** E.g. {@code ipkcs11wrapper 1.0.9}; {@code ipkcs11wrapper (version unknown)} if unrecorded. */
  public static String describe() {
    try (InputStream in = WrapperVersion.class.getResourceAsStream(POM_PROPERTIES)) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return "ipkcs11wrapper " + v.strip();
        }
      }
    } catch (IOException e) {
      // fall through: the version is informative only
    }
    return "ipkcs11wrapper (version unknown)";
  }
}
