package io.garagehsm.pkcs11;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the PKCS#11 module (shared library) to load, in this order: the URI's {@code module-path};
 * an explicit {@code --module} path; environment variable {@code GARAGE_HSM_MODULE}; the URI's
 * {@code module-name} looked up in the p11-kit registry ({@code *.module} files with a {@code
 * module:} line) or as a file name in the p11-kit module folders; then well-known install paths of
 * common modules. A "not found" error lists everything tried.
 */
public final class ModuleLocator {

  public static final String MODULE_ENV = "GARAGE_HSM_MODULE";

  /** p11-kit registry folders (system config first, then package defaults). */
  public static final List<Path> DEFAULT_REGISTRY_DIRS =
      List.of(Path.of("/etc/pkcs11/modules"), Path.of("/usr/share/p11-kit/modules"));

  /** Where p11-kit resolves relative {@code module:} names (Debian/Ubuntu multiarch, Fedora). */
  public static final List<Path> DEFAULT_MODULE_DIRS =
      List.of(
          Path.of("/usr/lib/x86_64-linux-gnu/pkcs11"),
          Path.of("/usr/lib/aarch64-linux-gnu/pkcs11"),
          Path.of("/usr/lib64/pkcs11"),
          Path.of("/usr/lib/pkcs11"),
          Path.of("/opt/homebrew/lib/pkcs11"),
          Path.of("/usr/local/lib/pkcs11"));

  /** Well-known module locations, tried last, most common token for CI first. */
  public static final List<Path> DEFAULT_MODULE_PATHS =
      List.of(
          // SoftHSM2
          Path.of("/usr/lib/softhsm/libsofthsm2.so"),
          Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
          Path.of("/usr/lib64/pkcs11/libsofthsm2.so"),
          Path.of("/usr/lib64/softhsm/libsofthsm.so"),
          Path.of("/opt/homebrew/lib/softhsm/libsofthsm2.so"),
          Path.of("/usr/local/lib/softhsm/libsofthsm2.so"),
          // OpenSC
          Path.of("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so"),
          Path.of("/usr/lib64/opensc-pkcs11.so"),
          Path.of("/opt/homebrew/lib/opensc-pkcs11.so"),
          Path.of("/usr/local/lib/opensc-pkcs11.so"),
          // YubiKey (ykcs11)
          Path.of("/usr/lib/x86_64-linux-gnu/libykcs11.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/libykcs11.so"),
          Path.of("/usr/lib64/libykcs11.so"),
          Path.of("/opt/homebrew/lib/libykcs11.dylib"),
          Path.of("/usr/local/lib/libykcs11.dylib"),
          // YubiHSM 2
          Path.of("/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/pkcs11/yubihsm_pkcs11.so"),
          Path.of("/usr/lib64/pkcs11/yubihsm_pkcs11.so"),
          Path.of("/opt/homebrew/lib/pkcs11/yubihsm_pkcs11.dylib"),
          Path.of("/usr/local/lib/pkcs11/yubihsm_pkcs11.dylib"),
          // TPM 2.0 (tpm2-pkcs11)
          Path.of("/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/pkcs11/libtpm2_pkcs11.so"),
          Path.of("/usr/lib64/pkcs11/libtpm2_pkcs11.so"));

  private final Map<String, String> env;
  private final List<Path> registryDirs;
  private final List<Path> moduleDirs;
  private final List<Path> defaultPaths;

  public ModuleLocator(
      Map<String, String> env,
      List<Path> registryDirs,
      List<Path> moduleDirs,
      List<Path> defaultPaths) {
    this.env = Map.copyOf(env);
    this.registryDirs = List.copyOf(registryDirs);
    this.moduleDirs = List.copyOf(moduleDirs);
    this.defaultPaths = List.copyOf(defaultPaths);
  }

  /** A locator reading the process environment and the standard folders. */
  public static ModuleLocator system() {
    return new ModuleLocator(
        System.getenv(), DEFAULT_REGISTRY_DIRS, DEFAULT_MODULE_DIRS, DEFAULT_MODULE_PATHS);
  }

  /**
   * Returns the module to load.
   *
   * @param uri the {@code pkcs11:} URI, may be null
   * @param explicitModule the {@code --module} option, may be null
   * @throws TokenException with {@code MODULE_NOT_FOUND}, listing what was tried
   */
  public Path locate(Pkcs11Uri uri, Path explicitModule) {
    List<String> tried = new ArrayList<>();
    Optional<String> modulePath = uri == null ? Optional.empty() : uri.modulePath();
    if (modulePath.isPresent()) {
      return mustExist(Path.of(modulePath.get()), "module-path in the pkcs11: URI");
    }
    if (explicitModule != null) {
      return mustExist(explicitModule, "--module");
    }
    String fromEnv = env.get(MODULE_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return mustExist(Path.of(fromEnv), "environment variable " + MODULE_ENV);
    }
    Optional<String> moduleName = uri == null ? Optional.empty() : uri.moduleName();
    if (moduleName.isPresent() && !Pkcs11Uri.isPlainModuleName(moduleName.get())) {
      // a name, not a path: only module-path, --module and the environment pick a file directly
      throw notFound(
          "module-name '" + moduleName.get() + "' is a path, not a p11-kit module name", tried);
    }
    if (moduleName.isPresent()) {
      Optional<Path> found = byName(moduleName.get(), tried);
      if (found.isPresent()) {
        return found.get();
      }
      throw notFound("module-name '" + moduleName.get() + "' not found", tried);
    }
    for (Path candidate : defaultPaths) {
      tried.add(candidate.toString());
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw notFound("no PKCS#11 module found", tried);
  }

  /**
   * Resolves a module name: a p11-kit registry entry named {@code <name>.module} (or whose module
   * file name contains the name), or a library of that name in a p11-kit module folder.
   */
  private Optional<Path> byName(String name, List<String> tried) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (Path dir : registryDirs) {
      tried.add(dir + "/*.module");
      for (Path entry : moduleFiles(dir)) {
        String entryName = entry.getFileName().toString();
        String base = entryName.substring(0, entryName.length() - ".module".length());
        Optional<String> module = moduleLine(entry);
        if (module.isEmpty()) {
          continue;
        }
        String libName = Path.of(module.get()).getFileName().toString().toLowerCase(Locale.ROOT);
        if (base.equalsIgnoreCase(name) || libName.contains(wanted)) {
          Optional<Path> resolved = resolveModuleLine(module.get(), tried);
          if (resolved.isPresent()) {
            return resolved;
          }
        }
      }
    }
    return resolveModuleLine(name, tried);
  }

  private Optional<Path> resolveModuleLine(String module, List<String> tried) {
    Path p = Path.of(module);
    if (p.isAbsolute()) {
      tried.add(p.toString());
      return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
    List<String> names = new ArrayList<>(List.of(module));
    if (!module.contains(".so") && !module.endsWith(".dylib")) {
      names.add(module + ".so");
      names.add("lib" + module + ".so");
      names.add(module + ".dylib");
    }
    for (Path dir : moduleDirs) {
      for (String n : names) {
        Path candidate = dir.resolve(n);
        tried.add(candidate.toString());
        if (Files.isRegularFile(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static List<Path> moduleFiles(Path dir) {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.module")) {
      stream.forEach(files::add);
    } catch (IOException e) {
      return files;
    }
    files.sort(null);
    return files;
  }

  /** The value of the {@code module:} line of a p11-kit module file. */
  static Optional<String> moduleLine(Path moduleFile) {
    try {
      for (String line : Files.readAllLines(moduleFile)) {
        String t = line.strip();
        if (t.startsWith("#")) {
          continue;
        }
        int colon = t.indexOf(':');
        if (colon > 0 && t.substring(0, colon).strip().equals("module")) {
          String value = t.substring(colon + 1).strip();
          return value.isEmpty() ? Optional.empty() : Optional.of(value);
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Path mustExist(Path p, String origin) {
    if (!Files.isRegularFile(p)) {
      throw new TokenException(
          TokenException.Category.MODULE_NOT_FOUND,
          "PKCS#11 module " + p + " (from " + origin + ") does not exist or is not a file",
          null,
          "install the token's PKCS#11 module or correct the path",
          null);
    }
    return p;
  }

  private static TokenException notFound(String what, List<String> tried) {
    return new TokenException(
        TokenException.Category.MODULE_NOT_FOUND,
        what + "; tried: " + String.join(", ", tried),
        null,
        "give the module with module-path=... in the pkcs11: URI, --module <path> or "
            + MODULE_ENV
            + " (for SoftHSM2: apt-get install -y softhsm2)",
        null);
  }
}
