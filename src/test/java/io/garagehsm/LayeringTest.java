package io.garagehsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of the README's architecture, enforced on the sources: data flows down, never up; only
 * pkcs11 touches the PKCS#11 wrapper, only cli touches picocli.
 */
class LayeringTest {
  private static final Path SOURCES = Path.of("src/main/java/io/garagehsm");
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([a-z][\\w]*(?:\\.[a-z][\\w]*)*)\\.", Pattern.MULTILINE);

  /** Which garage-hsm packages each package may import (besides itself). */
  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "der", Set.of(),
          "secret", Set.of(),
          "metadata", Set.of("der"),
          "pkcs11", Set.of("der", "secret"),
          "signing", Set.of("metadata", "pkcs11", "secret"),
          "server", Set.of("metadata", "signing"),
          "repo", Set.of("metadata", "signing"),
          "ops", Set.of("metadata", "pkcs11", "secret", "signing", "server", "repo", "der"),
          "cli", Set.of("ops", "metadata", "pkcs11", "secret", "signing", "server", "repo", "der"));

  @Test
  void packagesImportOnlyTheLayersBelowThem() throws IOException {
    List<String> violations = new ArrayList<>();
    for (Path file : javaFiles()) {
      String pkg = SOURCES.relativize(file).getName(0).toString();
      assertTrue(ALLOWED.containsKey(pkg), "package " + pkg + " is not in the layering table");
      Matcher m = IMPORT.matcher(Files.readString(file));
      while (m.find()) {
        String imported = m.group(1);
        if (imported.startsWith("io.garagehsm.")) {
          String target = imported.substring("io.garagehsm.".length()).split("\\.")[0];
          if (!target.equals(pkg) && !ALLOWED.get(pkg).contains(target)) {
            violations.add(file + " imports " + imported);
          }
        }
        if (imported.startsWith("org.xipki") || imported.startsWith("iaik.")) {
          if (!pkg.equals("pkcs11")) {
            violations.add(file + " uses the PKCS#11 wrapper: " + imported);
          }
        }
        if (imported.startsWith("picocli") && !pkg.equals("cli")) {
          violations.add(file + " uses picocli: " + imported);
        }
      }
    }
    assertEquals(List.of(), violations);
  }

  @Test
  void theTableCoversEveryPackage() throws IOException {
    try (Stream<Path> dirs = Files.list(SOURCES)) {
      List<String> pkgs =
          dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(ALLOWED.keySet().stream().sorted().toList(), pkgs);
    }
  }

  private static List<Path> javaFiles() throws IOException {
    try (Stream<Path> s = Files.walk(SOURCES)) {
      return s.filter(p -> p.toString().endsWith(".java")).toList();
    }
  }
}
