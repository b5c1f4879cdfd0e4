package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleLocatorTest {
  @TempDir Path dir;
  Path registry;
  Path moduleDir;
  Path uriModule;
  Path explicitModule;
  Path envModule;
  Path defaultModule;

  @BeforeEach
  void layout() throws IOException {
    registry = Files.createDirectories(dir.resolve("p11-kit/modules"));
    moduleDir = Files.createDirectories(dir.resolve("lib/pkcs11"));
    uriModule = Files.createFile(dir.resolve("uri.so"));
    explicitModule = Files.createFile(dir.resolve("explicit.so"));
    envModule = Files.createFile(dir.resolve("env.so"));
    defaultModule = Files.createFile(dir.resolve("default.so"));
    Files.createFile(moduleDir.resolve("opensc-pkcs11.so"));
    Path softhsm = Files.createFile(dir.resolve("libsofthsm2.so"));
    Files.writeString(registry.resolve("opensc.module"), "# comment\nmodule: opensc-pkcs11.so\n");
    Files.writeString(registry.resolve("softhsm2.module"), "\nmodule: " + softhsm + "\n");
  }

  ModuleLocator locator(Map<String, String> env, List<Path> defaults) {
    return new ModuleLocator(env, List.of(registry), List.of(moduleDir), defaults);
  }

  @Test
  void followsThePrecedence() {
    Pkcs11Uri withPath = Pkcs11Uri.parse("pkcs11:?module-path=" + uriModule);
    Map<String, String> env = Map.of(ModuleLocator.MODULE_ENV, envModule.toString());
    ModuleLocator l = locator(env, List.of(defaultModule));
    assertEquals(uriModule, l.locate(withPath, explicitModule));
    assertEquals(explicitModule, l.locate(Pkcs11Uri.empty(), explicitModule));
    assertEquals(envModule, l.locate(Pkcs11Uri.empty(), null));
    assertEquals(defaultModule, locator(Map.of(), List.of(defaultModule)).locate(null, null));
  }

  @Test
  void moduleNameResolvesThroughTheP11KitRegistry() {
    ModuleLocator l = locator(Map.of(), List.of());
    assertEquals(
        dir.resolve("libsofthsm2.so"),
        l.locate(Pkcs11Uri.parse("pkcs11:?module-name=softhsm2"), null));
    // Relative module: lines resolve in the p11-kit module folder.
    assertEquals(
        moduleDir.resolve("opensc-pkcs11.so"),
        l.locate(Pkcs11Uri.parse("pkcs11:?module-name=opensc"), null));
    // A bare library name in the module folder.
    assertEquals(
        moduleDir.resolve("opensc-pkcs11.so"),
        l.locate(Pkcs11Uri.parse("pkcs11:?module-name=opensc-pkcs11"), null));
  }

  @Test
  void aModuleNameIsNeverAPathToLoad() {
    // module-name survives an imported zip's reference; it must not pick a file by itself
    Pkcs11Uri byPath = Pkcs11Uri.parse("pkcs11:?module-name=" + uriModule);
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> locator(Map.of(), List.of(defaultModule)).locate(byPath, null));
    assertEquals(TokenException.Category.MODULE_NOT_FOUND, e.category());
    assertTrue(e.getMessage().contains("is a path"), e.getMessage());
  }

  @Test
  void withoutLocalFilesKeepsTokenObjectAndModuleName() {
    Pkcs11Uri u =
        Pkcs11Uri.parse(
            "pkcs11:token=t;object=k;id=%01?module-path=/tmp/x.so&pin-source=/dev/zero"
                + "&module-name=softhsm2");
    assertEquals(
        Pkcs11Uri.parse("pkcs11:token=t;object=k;id=%01?module-name=softhsm2"),
        u.withoutLocalFiles());
    assertEquals(
        Pkcs11Uri.parse("pkcs11:token=t"),
        Pkcs11Uri.parse("pkcs11:token=t?module-name=/tmp/x.so").withoutLocalFiles());
  }

  @Test
  void notFoundListsWhatWasTried() {
    Path missing = dir.resolve("nowhere.so");
    TokenException e =
        assertThrows(
            TokenException.class, () -> locator(Map.of(), List.of(missing)).locate(null, null));
    assertEquals(TokenException.Category.MODULE_NOT_FOUND, e.category());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.hint().orElseThrow().contains("GARAGE_HSM_MODULE"));

    TokenException byName =
        assertThrows(
            TokenException.class,
            () ->
                locator(Map.of(), List.of())
                    .locate(Pkcs11Uri.parse("pkcs11:?module-name=ykcs11"), null));
    assertTrue(byName.getMessage().contains("'ykcs11'"), byName.getMessage());
    assertTrue(
        byName.getMessage().contains(moduleDir.resolve("libykcs11.so").toString()),
        byName.getMessage());
  }

  @Test
  void anExplicitPathThatDoesNotExistIsAnErrorNotAFallThrough() {
    TokenException e =
        assertThrows(
            TokenException.class,
            () -> locator(Map.of(), List.of(defaultModule)).locate(null, dir.resolve("typo.so")));
    assertTrue(e.getMessage().contains("--module"), e.getMessage());
  }

  @Test
  void systemLocatorFindsSoftHsmOnThisMachine() {
    Path found =
        ModuleLocator.system().locate(Pkcs11Uri.parse("pkcs11:?module-name=softhsm2"), null);
    assertTrue(Files.isRegularFile(found), found.toString());
    assertTrue(found.toString().endsWith("libsofthsm2.so"), found.toString());
  }
}
