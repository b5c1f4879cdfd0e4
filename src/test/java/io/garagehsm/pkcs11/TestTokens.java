package io.garagehsm.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away SoftHSM2 tokens for tests, in {@code ${garagehsm.softhsm.dir}} (target/softhsm).
 *
 * <p>Surefire points {@code SOFTHSM2_CONF} at {@code <dir>/softhsm2.conf}; {@link #writeConfig()}
 * writes that file (token folder {@code <dir>/tokens}) and runs from a JUnit launcher-session
 * listener, before any test loads the module. Tokens are made by {@code softhsm2-util}; SoftHSM2
 * sees tokens created by another process only after a fresh C_Initialize, which the IAIK backend
 * does on every open. Missing SoftHSM2 makes tests fail (never skip).
 */
public final class TestTokens {

  /** The Debian/Ubuntu SoftHSM2 module. */
  public static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");

  public static final String USER_PIN = "4711-user-pin";
  public static final String SO_PIN = "0815-so-pin";

  private static final String INSTALL_HINT =
      "SoftHSM2 is required for these tests: apt-get install -y softhsm2 (and opensc for"
          + " pkcs11-tool)";

  private TestTokens() {}

  /** A token made for a test. */
  public record TestToken(String label, Pkcs11Uri uri, Path pinFile, Path module) {

    /** The token URI naming an object on this token. */
    public Pkcs11Uri keyUri(String objectLabel) {
      return uri.withObject(objectLabel, null);
    }
  }

  /** The folder holding softhsm2.conf, the tokens and the PIN files. */
  public static Path dir() {
    String configured = System.getProperty("garagehsm.softhsm.dir");
    return Path.of(configured != null ? configured : "target/softhsm").toAbsolutePath();
  }

  public static Path configFile() {
    return dir().resolve("softhsm2.conf");
  }

  /** Writes softhsm2.conf (idempotent). Must happen before the module is first initialised. */
  public static synchronized void writeConfig() {
    try {
      Path tokens = dir().resolve("tokens");
      Files.createDirectories(tokens);
      String conf =
          "directories.tokendir = "
              + tokens
              + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
      Path file = configFile();
      if (!Files.exists(file) || !Files.readString(file).equals(conf)) {
        Files.writeString(file, conf, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + configFile(), e);
    }
  }

  /** Creates a fresh token, replacing any earlier token of that label (from an earlier run). */
  public static TestToken create(String label) {
    requireSoftHsm();
    writeConfig();
    // Earlier runs may have left tokens of this label (several, after ambiguity tests); delete
    // each by serial, as --delete-token --token refuses when the label matches more than one.
    String serial = null;
    for (String line : run(List.of("softhsm2-util", "--show-slots"), false).lines().toList()) {
      String t = line.strip();
      if (t.startsWith("Serial number:")) {
        serial = t.substring("Serial number:".length()).strip();
      } else if (t.startsWith("Label:")
          && t.substring("Label:".length()).strip().equals(label)
          && serial != null) {
        run(List.of("softhsm2-util", "--delete-token", "--serial", serial), false);
      }
    }
    return createAnother(label);
  }

  /** Creates a token even if one with this label exists (for ambiguity tests). */
  public static TestToken createAnother(String label) {
    requireSoftHsm();
    writeConfig();
    run(
        List.of(
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            SO_PIN,
            "--pin",
            USER_PIN),
        false);
    Path pinFile = dir().resolve("pins").resolve(label + ".pin");
    try {
      Files.createDirectories(pinFile.getParent());
      Files.deleteIfExists(pinFile);
      Files.createFile(
          pinFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(pinFile, USER_PIN + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + pinFile, e);
    }
    Pkcs11Uri uri = Pkcs11Uri.forToken(label).withQuery("module-path", MODULE.toString());
    return new TestToken(label, uri, pinFile, MODULE);
  }

  /** Runs OpenSC's pkcs11-tool against a token (user login with the test PIN). */
  public static String pkcs11Tool(TestToken token, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "pkcs11-tool",
                "--module",
                token.module().toString(),
                "--token-label",
                token.label(),
                "--login",
                "--pin",
                USER_PIN));
    command.addAll(List.of(args));
    return run(command, false);
  }

  /** {@code pkcs11-tool -L} for the token's module (no login): slots, tokens and their flags. */
  public static String pkcs11ToolSlots(TestToken token) {
    return run(List.of("pkcs11-tool", "--module", token.module().toString(), "-L"), false);
  }

  private static void requireSoftHsm() {
    if (!Files.isRegularFile(MODULE)) {
      throw new AssertionError(MODULE + " is missing. " + INSTALL_HINT);
    }
  }

  private static String run(List<String> command, boolean mayFail) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SOFTHSM2_CONF", configFile().toString());
    try {
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command.get(0) + " timed out");
      }
      if (p.exitValue() != 0 && !mayFail) {
        throw new AssertionError(
            String.join(" ", command).replace(USER_PIN, "***").replace(SO_PIN, "***")
                + " failed ("
                + p.exitValue()
                + "): "
                + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run " + command.get(0) + " (" + e.getMessage() + "). " + INSTALL_HINT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
