package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code --version}: garage-sign's first line, then the build's commit, Java and the wrapper. */
class VersionTest {
  @Test
  void versionNamesTheBuildTheRuntimeAndTheWrapper() throws IOException {
    Properties build = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("build-info.properties")) {
      assertTrue(in != null, "the build writes build-info.properties next to VersionProvider");
      build.load(in);
    }
    Cli.Result r = Cli.runRaw(Cli.at("2026-01-01T00:00:00Z"), "--version").ok();
    List<String> lines = r.out().lines().toList();
    assertEquals(4, lines.size(), r.out());
    assertEquals("garage-hsm " + build.getProperty("version"), lines.get(0));
    String commit = build.getProperty("commit");
    assertTrue(commit.equals("unknown") || commit.matches("[0-9a-f]{12}"), commit);
    assertEquals("commit: " + commit, lines.get(1));
    assertEquals(
        "java: "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ", "
            + System.getProperty("java.vendor")
            + ")",
        lines.get(2));
    assertTrue(
        lines.get(3).matches("pkcs11 wrapper: ipkcs11wrapper \\d+\\.\\d+\\.\\d+"), lines.get(3));
    assertEquals("", r.err());
  }
}
