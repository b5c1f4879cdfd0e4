package io.garagehsm.pkcs11;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;

/**
 * Process-wide bookkeeping of initialised PKCS#11 modules.
 *
 * <p>PKCS#11 initialisation is per library per process, not per Java object: two backends on the
 * same module share one C_Initialize, and a C_Finalize by one would kill the sessions of the other.
 * So backends acquire and release a module here; the last release calls C_Finalize, which lets a
 * later acquire call C_Initialize afresh and (for SoftHSM) see tokens created in between.
 *
 * <p>A module is finalised only if this class initialised it. When someone else did first
 * (CKR_CRYPTOKI_ALREADY_INITIALIZED, e.g. SunPKCS11), or once SunPKCS11 has been configured on it
 * ({@link #pin}), it is never finalised: SunPKCS11 initialises a library once per process and never
 * finalises it, and would break if the library were finalised under it.
 */
final class LoadedModules {

  private static final class Entry {
    final PKCS11Module module;
    final boolean initializedHere;
    int references;
    boolean pinned;

    /** Counts re-initialisations (reconnects), so concurrent reconnects do it only once. */
    int generation;

    /** Open logins per slot ID: C_Login/C_Logout act on the whole token for this process. */
    final Map<Long, Integer> loginsBySlot = new HashMap<>();

    Entry(PKCS11Module module, boolean initializedHere) {
      this.module = module;
      this.initializedHere = initializedHere;
    }
  }

  private static final Map<Path, Entry> ENTRIES = new HashMap<>();

  private LoadedModules() {}

  static synchronized PKCS11Module acquire(Path modulePath) {
    QuietWrapperLogger.install();
    Path key = key(modulePath);
    Entry entry = ENTRIES.get(key);
    if (entry == null) {
      requireFunctionList(modulePath);
      PKCS11Module module;
      try {
        module = PKCS11Module.getInstance(key.toString());
      } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
        throw new TokenException(
            TokenException.Category.MODULE_NOT_FOUND,
            "cannot load PKCS#11 module " + modulePath + ": " + oneLine(e.getMessage()),
            null,
            "check that the file is a PKCS#11 module for this CPU architecture",
            e);
      }
      boolean initializedHere = true;
      try {
        module.initialize();
      } catch (PKCS11Exception e) {
        if (e.getErrorCode() != PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
          throw Pkcs11Errors.translate(e, "C_Initialize of module " + modulePath + " failed");
        }
        initializedHere = false;
      }
      entry = new Entry(module, initializedHere);
      ENTRIES.put(key, entry);
    }
    entry.references++;
    return entry.module;
  }

  static synchronized void release(Path modulePath) {
    Path key = key(modulePath);
    Entry entry = ENTRIES.get(key);
    if (entry == null) {
      return;
    }
    entry.references--;
    if (entry.references > 0 || entry.pinned) {
      return;
    }
    ENTRIES.remove(key);
    if (entry.initializedHere) {
      try {
        entry.module.finalize(null);
      } catch (PKCS11Exception e) {
        // Nothing left to clean up on our side; the module is unusable either way.
      }
    }
  }

  /** How often the module was re-initialised to reconnect (0 when never, or not loaded). */
  static synchronized int generation(Path modulePath) {
    Entry entry = ENTRIES.get(key(modulePath));
    return entry == null ? 0 : entry.generation;
  }

  /**
   * C_Finalize and C_Initialize again, the only way p11-kit's client (and most network HSM clients)
   * reconnect after the connection dropped. Done once per {@code seenGeneration}: a caller that saw
   * an older generation finds the module already re-initialised. Every session and login of the
   * process on this module ends, so the login counts start again.
   *
   * @return the module's generation now
   */
  static synchronized int reinitialize(Path modulePath, int seenGeneration) {
    Entry entry = ENTRIES.get(key(modulePath));
    if (entry == null) {
      throw new IllegalStateException("module " + modulePath + " is not loaded");
    }
    if (entry.generation != seenGeneration) {
      return entry.generation;
    }
    if (!entry.initializedHere || entry.pinned) {
      throw new TokenException(
          TokenException.Category.DEVICE,
          "cannot re-initialise PKCS#11 module "
              + modulePath
              + " to reconnect: another user in this process (SunPKCS11) initialised it",
          null,
          "use the default backend (--backend iaik) for tokens reached over a network",
          null);
    }
    try {
      entry.module.finalize(null);
    } catch (PKCS11Exception e) {
      // The connection is gone already; C_Initialize below is what matters.
    }
    try {
      entry.module.initialize();
    } catch (PKCS11Exception e) {
      throw Pkcs11Errors.translate(e, "C_Initialize of module " + modulePath + " failed");
    }
    entry.loginsBySlot.clear();
    return ++entry.generation;
  }

  /** Counts a login (or an already-logged-in session) on a slot of this module. */
  static synchronized void loginAcquired(Path modulePath, long slotId) {
    Entry entry = ENTRIES.get(key(modulePath));
    if (entry != null) {
      entry.loginsBySlot.merge(slotId, 1, Integer::sum);
    }
  }

  /**
   * Uncounts a login; true when it was the last one in this process, i.e. C_Logout is now safe
   * (logging out ends the login of every session of the process on that token).
   */
  static synchronized boolean loginReleased(Path modulePath, long slotId) {
    Entry entry = ENTRIES.get(key(modulePath));
    if (entry == null) {
      return false;
    }
    Integer count = entry.loginsBySlot.get(slotId);
    if (count == null) {
      return false;
    }
    if (count > 1) {
      entry.loginsBySlot.put(slotId, count - 1);
      return false;
    }
    entry.loginsBySlot.remove(slotId);
    return true;
  }

  /**
   * True when the caller holds the only reference and SunPKCS11 does not share the module: closing
   * all sessions of a slot then ends nobody else's.
   */
  static synchronized boolean soleUser(Path modulePath) {
    Entry entry = ENTRIES.get(key(modulePath));
    return entry != null && entry.references == 1 && !entry.pinned;
  }

  /** Marks a module as shared with SunPKCS11: it stays initialised for the life of the JVM. */
  static synchronized void pin(Path modulePath) {
    Entry entry = ENTRIES.get(key(modulePath));
    if (entry != null) {
      entry.pinned = true;
    }
  }

  static Path key(Path modulePath) {
    try {
      return modulePath.toRealPath();
    } catch (IOException e) {
      return modulePath.toAbsolutePath().normalize();
    }
  }

  private static final byte[] FUNCTION_LIST =
      "C_GetFunctionList".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * Refuses a file whose bytes never spell {@code C_GetFunctionList}, the one symbol every PKCS#11
   * module exports: such a file is not a module, so it is never handed to the dynamic loader (whose
   * error text for arbitrary bytes is itself garbage).
   */
  static void requireFunctionList(Path modulePath) {
    boolean found = false;
    try (java.io.InputStream in =
        new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(modulePath), 1 << 16)) {
      // no prefix of the name recurs inside it, so a mismatch restarts the match at this byte
      int matched = 0;
      int b;
      while (!found && (b = in.read()) >= 0) {
        if (b == FUNCTION_LIST[matched]) {
          matched++;
        } else {
          matched = b == FUNCTION_LIST[0] ? 1 : 0;
        }
        found = matched == FUNCTION_LIST.length;
      }
    } catch (IOException e) {
      throw new TokenException(
          TokenException.Category.MODULE_NOT_FOUND,
          "cannot read PKCS#11 module " + modulePath + ": " + e.getClass().getSimpleName(),
          null,
          "check the module path and its permissions",
          e);
    }
    if (!found) {
      throw new TokenException(
          TokenException.Category.MODULE_NOT_FOUND,
          modulePath + " is not a PKCS#11 module (no C_GetFunctionList)",
          null,
          "give the token's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so) with --module,"
              + " GARAGE_HSM_MODULE or module-path=... in the pkcs11: URI",
          null);
    }
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').strip();
  }
}
