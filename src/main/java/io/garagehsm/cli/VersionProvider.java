package io.garagehsm.cli;

import io.garagehsm.pkcs11.WrapperVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the first line is garage-sign's ({@code garage-hsm <version>}); then the
 * commit, the Java runtime and the PKCS#11 wrapper, for bug reports. Version and commit come from
 * build-info.properties, written by the build (commit "unknown" when built outside git).
 */
final class VersionProvider implements IVersionProvider {
  static final String BUILD_INFO = "build-info.properties";

  @Override
  public String[] getVersion() {
    Properties build = buildInfo();
    return new String[] {
      "garage-hsm " + build.getProperty("version", "dev"),
      "commit: " + build.getProperty("commit", "unknown"),
      "java: "
          + System.getProperty("java.version")
          + " ("
          + System.getProperty("java.vm.name")
          + ", "
          + System.getProperty("java.vendor")
          + ")",
      "pkcs11 wrapper: " + WrapperVersion.describe()
    };
  }

  private static Properties buildInfo() {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream(BUILD_INFO)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // the defaults say "dev" / "unknown"
    }
    p.entrySet().removeIf(e -> e.getValue().toString().isBlank());
    return p;
  }
}
