package io.garagehsm.pkcs11;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * What one PKCS#11 module needs beyond the standard, as data: the profiles live in {@code
 * module-quirks.properties} next to this class and are chosen by the module's library manufacturer
 * and description and the token's manufacturer and model (in the manner of xipki's vendor
 * profiles). A module no profile matches gets {@link #NONE}.
 *
 * @param profile the matching profile's name, or "standard"
 * @param omitUsageRestrictions generate without CKA_DECRYPT/UNWRAP/ENCRYPT/WRAP=false
 * @param unsafeMechanismParameters never pass CK_*_PARAMS (the module reads them after C_SignInit)
 * @param cleanupFailedGeneration destroy the objects a failed C_GenerateKeyPair left (by CKA_ID)
 * @param flushOnClose close all sessions of the token at the end of the run
 * @param pinNeverLocks wrong user PINs never lock the token (SoftHSM2 sets CKF_USER_PIN_COUNT_LOW
 *     after a wrong PIN, yet has no retry counter)
 * @param failedGenerationHint what to tell the user after a failed C_GenerateKeyPair, or null
 */
public record ModuleQuirks(
    String profile,
    boolean omitUsageRestrictions,
    boolean unsafeMechanismParameters,
    boolean cleanupFailedGeneration,
    boolean flushOnClose,
    boolean pinNeverLocks,
    String failedGenerationHint) {

  /** A standard module. */
  public static final ModuleQuirks NONE =
      new ModuleQuirks("standard", false, false, false, false, false, null);

  private static final String RESOURCE = "module-quirks.properties";
  private static final List<Profile> PROFILES = load();

  /** What a profile matches and what it sets. */
  record Profile(Map<String, String> match, ModuleQuirks quirks) {
    boolean matches(Map<String, String> actual) {
      for (Map.Entry<String, String> m : match.entrySet()) {
        String value = actual.getOrDefault(m.getKey(), "").strip();
        String wanted = m.getValue().strip();
        boolean ok =
            wanted.endsWith("*")
                ? value.startsWith(wanted.substring(0, wanted.length() - 1))
                : value.equals(wanted);
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The profile for a token of a module.
   *
   * @param libraryManufacturer C_GetInfo manufacturerID
   * @param libraryDescription C_GetInfo libraryDescription
   * @param tokenManufacturer C_GetTokenInfo manufacturerID ("" when unknown)
   * @param tokenModel C_GetTokenInfo model ("" when unknown)
   */
  public static ModuleQuirks of(
      String libraryManufacturer,
      String libraryDescription,
      String tokenManufacturer,
      String tokenModel) {
    Map<String, String> actual =
        Map.of(
            "library-manufacturer", nullToEmpty(libraryManufacturer),
            "library-description", nullToEmpty(libraryDescription),
            "token-manufacturer", nullToEmpty(tokenManufacturer),
            "token-model", nullToEmpty(tokenModel));
    for (Profile p : PROFILES) {
      if (p.matches(actual)) {
        return p.quirks();
      }
    }
    return NONE;
  }

  /** One line for {@code tokens list} and --verbose. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (omitUsageRestrictions) {
      parts.add("key template without usage restrictions");
    }
    if (unsafeMechanismParameters) {
      parts.add("no PSS parameters passed (raw RSA + host EMSA-PSS)");
    }
    if (cleanupFailedGeneration) {
      parts.add("failed generations cleaned up");
    }
    if (flushOnClose) {
      parts.add("sessions closed at exit");
    }
    if (pinNeverLocks) {
      parts.add("wrong PINs never lock");
    }
    return profile + (parts.isEmpty() ? "" : ": " + String.join(", ", parts));
  }

  static List<Profile> load() {
    Properties p = new Properties();
    try (InputStream in = ModuleQuirks.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the jar");
      }
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
    return parse(p);
  }

  static List<Profile> parse(Properties p) {
    List<Profile> profiles = new ArrayList<>();
    for (String name : p.getProperty("profiles", "").split(",")) {
      String n = name.strip();
      if (n.isEmpty()) {
        continue;
      }
      Map<String, String> match = new java.util.LinkedHashMap<>();
      for (String key :
          List.of(
              "library-manufacturer", "library-description", "token-manufacturer", "token-model")) {
        String v = p.getProperty(n + ".match." + key);
        if (v != null) {
          match.put(key, v);
        }
      }
      if (match.isEmpty()) {
        throw new IllegalStateException("quirk profile " + n + " matches nothing");
      }
      profiles.add(
          new Profile(
              Map.copyOf(match),
              new ModuleQuirks(
                  n,
                  flag(p, n, "key-template.omit-usage-restrictions"),
                  flag(p, n, "mechanism-parameters.unsafe"),
                  flag(p, n, "failed-generation.cleanup"),
                  flag(p, n, "transient-objects.flush-on-close"),
                  flag(p, n, "pin-counter.never-locks"),
                  text(p, n, "failed-generation.hint"))));
    }
    return List.copyOf(profiles);
  }

  private static boolean flag(Properties p, String profile, String key) {
    String v = p.getProperty(profile + "." + key, "false").strip().toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalStateException(profile + "." + key + " must be true or false, not " + v);
    }
    return v.equals("true");
  }

  private static String text(Properties p, String profile, String key) {
    String v = p.getProperty(profile + "." + key);
    return v == null || v.isBlank() ? null : v.strip();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
