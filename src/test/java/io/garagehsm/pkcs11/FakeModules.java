package io.garagehsm.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Shared libraries built with gcc for tests that must prove a library was (or was not) loaded: each
 * one writes a marker file from its ELF constructor, i.e. as soon as the dynamic loader maps it.
 */
public final class FakeModules {
  private FakeModules() {}

  /**
   * A library exporting {@code C_GetFunctionList} (which answers CKR_GENERAL_ERROR) that writes
   * {@code marker} when loaded.
   */
  public static Path withFunctionList(Path dir, Path marker) {
    return build(
        dir,
        "fake-module",
        constructor(marker) + "unsigned long C_GetFunctionList(void **list) { return 5UL; }\n");
  }

  /** A shared library that is not a PKCS#11 module: it has no {@code C_GetFunctionList}. */
  public static Path withoutFunctionList(Path dir, Path marker) {
    return build(
        dir, "not-a-module", constructor(marker) + "int something_else(void) { return 1; }\n");
  }

  private static String constructor(Path marker) {
    String m = marker.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
    return "#include <stdio.h>\n"
        + "__attribute__((constructor)) static void loaded(void) {\n"
        + "  FILE *f = fopen(\""
        + m
        + "\", \"w\");\n"
        + "  if (f) { fputs(\"loaded\\n\", f); fclose(f); }\n"
        + "}\n";
  }

  private static Path build(Path dir, String name, String source) {
    try {
      Files.createDirectories(dir);
      Path c = dir.resolve(name + ".c");
      Path so = dir.resolve(name + ".so");
      Files.writeString(c, source, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(List.of("gcc", "-shared", "-fPIC", "-o", so.toString(), c.toString()))
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "gcc could not build " + so + " (apt-get install -y gcc): " + log);
      }
      return so;
    } catch (IOException e) {
      throw new IllegalStateException("gcc is required for this test (apt-get install -y gcc)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
