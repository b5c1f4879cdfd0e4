package io.garagehsm.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_ECDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EC_EDWARDS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EC_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_PSS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_X_509;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_RSA_PKCS_PSS;

import iaik.pkcs.pkcs11.wrapper.CK_MECHANISM_INFO;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.xipki.pkcs11.wrapper.ModuleInfo;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.TokenInfo;

/**
 * The module's slots and tokens, for the IAIK backend: lists tokens with their flags and the
 * mechanisms that matter, and selects exactly one token by the URI's token and library attributes
 * (never by slot number).
 */
final class IaikTokenDiscovery {

  private static final long CKF_SIGN = 0x800L;
  private static final long CKF_GENERATE_KEY_PAIR = 0x10000L;

  /** The mechanisms worth listing for this tool, in display order. */
  private static final Map<Long, String> MECHANISMS_THAT_MATTER = new LinkedHashMap<>();

  static {
    MECHANISMS_THAT_MATTER.put(CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA_PKCS_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_RSA_PKCS_PSS, "RSA_PKCS_PSS");
    MECHANISMS_THAT_MATTER.put(CKM_SHA256_RSA_PKCS_PSS, "SHA256_RSA_PKCS_PSS");
    // raw RSA: RSASSA-PSS with EMSA-PSS encoded on the host where no PSS mechanism is usable
    MECHANISMS_THAT_MATTER.put(CKM_RSA_X_509, "RSA_X_509");
    MECHANISMS_THAT_MATTER.put(CKM_EC_EDWARDS_KEY_PAIR_GEN, "EC_EDWARDS_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_EDDSA, "EDDSA");
    MECHANISMS_THAT_MATTER.put(CKM_EC_KEY_PAIR_GEN, "EC_KEY_PAIR_GEN");
    MECHANISMS_THAT_MATTER.put(CKM_ECDSA, "ECDSA");
  }

  /** A token found in a slot. */
  record FoundToken(Slot slot, TokenDescription description) {
    long slotId() {
      return slot.getSlotID();
    }

    String label() {
      return description.label();
    }
  }

  private final PKCS11Module module;
  private final Path modulePath;
  private final BackendOptions options;
  private String[] libraryInfo;

  IaikTokenDiscovery(PKCS11Module module, Path modulePath, BackendOptions options) {
    this.module = module;
    this.modulePath = modulePath;
    this.options = options;
  }

  /** The quirk profile for a token of this module, by library and token description. */
  ModuleQuirks quirks(FoundToken token) {
    if (libraryInfo == null) {
      try {
        ModuleInfo info = module.getInfo();
        libraryInfo =
            new String[] {strip(info.getManufacturerID()), strip(info.getLibraryDescription())};
      } catch (org.xipki.pkcs11.wrapper.TokenException e) {
        libraryInfo = new String[] {"", ""};
      }
    }
    return ModuleQuirks.of(
        libraryInfo[0],
        libraryInfo[1],
        token.description().manufacturer(),
        token.description().model());
  }

  /** The mechanisms of the slot that garage-hsm uses and the token says can sign. */
  Set<Long> signMechanisms(long slotId) {
    return mechanisms(slotId).stream()
        .filter(MechanismDescription::sign)
        .map(MechanismDescription::code)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The display name of a mechanism this tool lists, e.g. {@code RSA_PKCS_PSS}. */
  static String mechanismName(long code) {
    return MECHANISMS_THAT_MATTER.get(code);
  }

  List<FoundToken> findTokens(boolean withMechanisms) {
    Slot[] slots;
    try {
      slots = module.getSlotList(true);
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "cannot list the slots of module " + modulePath);
    }
    List<FoundToken> found = new ArrayList<>();
    for (Slot slot : slots) {
      TokenInfo info;
      try {
        info = slot.getToken().getTokenInfo();
      } catch (PKCS11Exception e) {
        // A slot whose token vanished or errs is skipped rather than failing the whole listing.
        options
            .diagnostics()
            .accept(
                "note: slot "
                    + slot.getSlotID()
                    + " skipped ("
                    + Pkcs11Errors.ckrName(e.getErrorCode())
                    + ")");
        continue;
      }
      found.add(new FoundToken(slot, describe(slot, info, withMechanisms)));
    }
    return found;
  }

  private TokenDescription describe(Slot slot, TokenInfo info, boolean withMechanisms) {
    String label = strip(info.getLabel());
    String serial = strip(info.getSerialNumber());
    String manufacturer = strip(info.getManufacturerID());
    String model = strip(info.getModel());
    List<MechanismDescription> mechanisms =
        withMechanisms ? mechanisms(slot.getSlotID()) : List.of();
    Pkcs11Uri uri =
        Pkcs11Uri.empty()
            .with("token", label.isEmpty() ? null : label)
            .with("manufacturer", manufacturer.isEmpty() ? null : manufacturer)
            .with("serial", serial.isEmpty() ? null : serial)
            .with("model", model.isEmpty() ? null : model)
            .withQuery("module-path", modulePath.toString());
    return new TokenDescription(
        label,
        serial,
        manufacturer,
        model,
        slot.getSlotID(),
        TokenFlags.fromBits(info.getFlags()),
        mechanisms,
        uri);
  }

  List<MechanismDescription> mechanisms(long slotId) {
    List<MechanismDescription> result = new ArrayList<>();
    long[] offered;
    try {
      offered = module.getPKCS11Module().C_GetMechanismList(slotId);
    } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
      return result;
    }
    for (Map.Entry<Long, String> m : MECHANISMS_THAT_MATTER.entrySet()) {
      if (!contains(offered, m.getKey())) {
        continue;
      }
      try {
        CK_MECHANISM_INFO info = module.getPKCS11Module().C_GetMechanismInfo(slotId, m.getKey());
        result.add(
            new MechanismDescription(
                m.getValue(),
                m.getKey(),
                info.ulMinKeySize,
                info.ulMaxKeySize,
                (info.flags & CKF_SIGN) != 0,
                (info.flags & CKF_GENERATE_KEY_PAIR) != 0));
      } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
        // Listed but not describable: leave it out rather than guess its limits.
      }
    }
    return result;
  }

  private static boolean contains(long[] values, long wanted) {
    for (long v : values) {
      if (v == wanted) {
        return true;
      }
    }
    return false;
  }

  /** Selects exactly one initialised token by the URI's token attributes. */
  FoundToken selectToken(Pkcs11Uri uri) {
    List<FoundToken> all = findTokens(false);
    List<FoundToken> initialized =
        all.stream().filter(t -> t.description().flags().tokenInitialized()).toList();
    if (uri.slotId().isPresent() && !uri.hasTokenSelector()) {
      throw new TokenException(
          TokenException.Category.TOKEN_NOT_FOUND,
          "selecting a token by slot-id is refused: slot IDs change (SoftHSM2 assigns random ones)",
          null,
          "select it with token=<label> or serial=<serial>; tokens: " + listTokens(initialized),
          null);
    }
    checkLibraryAttributes(uri);
    List<FoundToken> matches =
        initialized.stream().filter(t -> matches(uri, t.description())).toList();
    if (all.isEmpty()) {
      requireReachableServer();
    }
    if (matches.isEmpty()) {
      throw new TokenException(
          TokenException.Category.TOKEN_NOT_FOUND,
          "no token matches "
              + uri.tokenPart().withoutQuery()
              + " in module "
              + modulePath
              + "; tokens present: "
              + listTokens(initialized),
          null,
          initialized.isEmpty()
              ? "initialise a token first (SoftHSM2: softhsm2-util --init-token --free --label <label>)"
              : "use one of the listed labels or serials",
          null);
    }
    if (matches.size() > 1) {
      throw new TokenException(
          TokenException.Category.TOKEN_AMBIGUOUS,
          "more than one token matches "
              + uri.tokenPart().withoutQuery()
              + ": "
              + listTokens(matches),
          null,
          "add serial=<serial> to the pkcs11: URI",
          null);
    }
    return matches.get(0);
  }

  /**
   * A client module of a remote token (p11-kit's) that cannot reach its server still loads, and
   * shows no slot at all; say that instead of "no token" and a hint to initialise one. p11-kit's
   * client describes itself as "p11-kit (no connection)" then.
   */
  void requireReachableServer() {
    String description;
    String manufacturer;
    try {
      ModuleInfo info = module.getInfo();
      description = strip(info.getLibraryDescription());
      manufacturer = strip(info.getManufacturerID());
    } catch (org.xipki.pkcs11.wrapper.TokenException | RuntimeException e) {
      return;
    }
    boolean p11kitClient =
        description.contains("no connection")
            || (manufacturer.startsWith("p11-kit")
                && modulePath.getFileName().toString().contains("p11-kit-client"));
    if (!p11kitClient) {
      return;
    }
    String address = System.getenv("P11_KIT_SERVER_ADDRESS");
    String where =
        address == null || address.isEmpty()
            ? "P11_KIT_SERVER_ADDRESS is not set (the client then tries"
                + " $XDG_RUNTIME_DIR/p11-kit/pkcs11)"
            : "P11_KIT_SERVER_ADDRESS=" + address;
    throw new TokenException(
        TokenException.Category.TOKEN_NOT_FOUND,
        "PKCS#11 module "
            + modulePath
            + " is p11-kit's remote-token client and shows no token: its server is unreachable ("
            + where
            + ")",
        null,
        "start 'p11-kit server' next to the token (or the tunnel to it) and set"
            + " P11_KIT_SERVER_ADDRESS to the address it prints",
        null);
  }

  static boolean matches(Pkcs11Uri uri, TokenDescription token) {
    return uri.token().map(v -> v.equals(token.label())).orElse(true)
        && uri.serial().map(v -> v.equals(token.serial())).orElse(true)
        && uri.manufacturer().map(v -> v.equals(token.manufacturer())).orElse(true)
        && uri.model().map(v -> v.equals(token.model())).orElse(true);
  }

  private static String listTokens(List<FoundToken> tokens) {
    if (tokens.isEmpty()) {
      return "none";
    }
    return tokens.stream()
        .map(t -> t.description().displayName())
        .collect(Collectors.joining(", "));
  }

  private void checkLibraryAttributes(Pkcs11Uri uri) {
    if (uri.libraryManufacturer().isEmpty()
        && uri.libraryDescription().isEmpty()
        && uri.libraryVersion().isEmpty()) {
      return;
    }
    ModuleInfo info;
    try {
      info = module.getInfo();
    } catch (org.xipki.pkcs11.wrapper.TokenException e) {
      throw new TokenException(
          TokenException.Category.DEVICE, "C_GetInfo failed for module " + modulePath);
    }
    String manufacturer = strip(info.getManufacturerID());
    String description = strip(info.getLibraryDescription());
    String version =
        (info.getLibraryVersion().getMajor() & 0xff)
            + "."
            + (info.getLibraryVersion().getMinor() & 0xff);
    check(uri.libraryManufacturer(), manufacturer, "library-manufacturer");
    check(uri.libraryDescription(), description, "library-description");
    if (uri.libraryVersion().isPresent()) {
      String wanted = uri.libraryVersion().get();
      boolean ok = wanted.contains(".") ? wanted.equals(version) : version.startsWith(wanted + ".");
      if (!ok) {
        throw mismatch("library-version", wanted, version);
      }
    }
  }

  private void check(Optional<String> wanted, String actual, String attribute) {
    if (wanted.isPresent() && !wanted.get().equals(actual)) {
      throw mismatch(attribute, wanted.get(), actual);
    }
  }

  private TokenException mismatch(String attribute, String wanted, String actual) {
    return new TokenException(
        TokenException.Category.TOKEN_NOT_FOUND,
        "module "
            + modulePath
            + " has "
            + attribute
            + " '"
            + actual
            + "', the pkcs11: URI asks for '"
            + wanted
            + "'");
  }

  private static String strip(String s) {
    return s == null ? "" : s.strip();
  }
}
