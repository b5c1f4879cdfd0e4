package io.garagehsm.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinSourcesTest {
  @TempDir Path dir;
  final List<String> warnings = new ArrayList<>();
  final List<String> prompts = new ArrayList<>();

  Path pinFile(String name, String content, String mode) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return p;
  }

  PinSources.Builder base() {
    return PinSources.builder()
        .environment(Map.of())
        .warnings(warnings::add)
        .prompt(
            prompt -> {
              prompts.add(prompt);
              return "typed".toCharArray();
            });
  }

  static String read(SecretSource source) {
    try (Secret s = source.secret("user PIN for token 'ci-root'")) {
      return new String(s.chars());
    }
  }

  @Test
  void followsThePrecedence() throws IOException {
    Path file = pinFile("pin", "from-file\n", "rw-------");
    Path uriFile = pinFile("uripin", "from-uri\r\n", "rw-------");
    Map<String, String> env =
        Map.of("MY_PIN", "from-my-env", PinSources.PIN_ENV, "from-default-env");
    assertEquals("from-file", read(base().environment(env).pinFile(file).pinEnv("MY_PIN").build()));
    assertEquals(
        "from-my-env",
        read(
            base().environment(env).pinEnv("MY_PIN").build().withUriPinSource(uriFile.toString())));
    assertEquals(
        "from-uri", read(base().environment(env).build().withUriPinSource("file:" + uriFile)));
    assertEquals(
        "from-uri",
        read(base().environment(env).build().withUriPinSource(uriFile.toUri().toString())));
    assertEquals("from-default-env", read(base().environment(env).build()));
    assertEquals("typed", read(base().build()));
    assertEquals(List.of("Enter user PIN for token 'ci-root': "), prompts);
  }

  @Test
  void pinFileUsesOnlyTheFirstLine() throws IOException {
    assertEquals(
        "1234", read(base().pinFile(pinFile("p", "1234\nsecond line\n", "rw-------")).build()));
    assertEquals(
        "no-newline", read(base().pinFile(pinFile("q", "no-newline", "r--------")).build()));
    assertTrue(warnings.isEmpty());
  }

  @Test
  void warnsWhenThePinFileIsReadableByOthers() throws IOException {
    Path loose = pinFile("loose", "1234\n", "rw-r--r--");
    assertEquals("1234", read(base().pinFile(loose).build()));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("chmod 600"));
    assertFalse(warnings.get(0).contains("1234"));
  }

  @Test
  void noSourceAndNoConsoleIsAOneLineErrorNamingTheOptions() {
    SecretUnavailableException e =
        assertThrows(
            SecretUnavailableException.class,
            () ->
                base()
                    .prompt(PasswordPrompt.unavailable())
                    .build()
                    .secret("user PIN for token 'x'"));
    assertFalse(e.getMessage().contains("\n"));
    for (String option : List.of("--pin-file", "--pin-env", "pin-source", "GARAGE_HSM_PIN")) {
      assertTrue(e.getMessage().contains(option), e.getMessage());
    }
  }

  @Test
  void aConfiguredSourceThatFailsIsAnErrorNotAPrompt() {
    assertThrows(
        SecretUnavailableException.class,
        () -> base().pinFile(dir.resolve("missing")).build().secret("PIN"));
    assertThrows(
        SecretUnavailableException.class, () -> base().pinEnv("UNSET").build().secret("PIN"));
    assertThrows(
        SecretUnavailableException.class,
        () -> base().build().withUriPinSource("https://example.org/pin").secret("PIN"));
    assertTrue(prompts.isEmpty());
  }

  @Test
  void secretIsWipedOnCloseAndNeverPrinted() {
    char[] chars = "hunter2".toCharArray();
    Secret s = Secret.adopt(chars);
    assertFalse(s.toString().contains("hunter2"));
    s.close();
    assertArrayEquals(new char[7], chars);
    assertTrue(s.isWiped());
    assertThrows(IllegalStateException.class, s::chars);
  }

  @Test
  void fixedSourceHandsOutCopies() {
    SecretSource fixed = SecretSource.fixed("abc".toCharArray());
    Secret first = fixed.secret("x");
    first.close();
    assertEquals("abc", read(fixed));
  }

  @Test
  void anEmptyEntryIsAskedAgainAndEndOfInputSendsNothing() {
    java.util.Deque<char[]> answers =
        new java.util.ArrayDeque<>(List.of(new char[0], "typed-late".toCharArray()));
    SecretSource twice =
        base()
            .prompt(
                prompt -> {
                  prompts.add(prompt);
                  return answers.poll();
                })
            .build();
    assertEquals("typed-late", read(twice));
    assertEquals(2, prompts.size());
    assertTrue(
        warnings.stream().anyMatch(w -> w.contains("empty PIN is not sent")), warnings.toString());

    SecretSource eof = base().prompt(prompt -> null).build();
    SecretUnavailableException e =
        assertThrows(SecretUnavailableException.class, () -> eof.secret("user PIN for token 't'"));
    assertTrue(e.getMessage().contains("end of input"), e.getMessage());
    assertFalse(e.getMessage().contains("no console"), e.getMessage());

    SecretSource empties = base().prompt(prompt -> new char[0]).build();
    SecretUnavailableException e2 =
        assertThrows(SecretUnavailableException.class, () -> empties.secret("PIN"));
    assertTrue(e2.getMessage().contains("nothing was sent"), e2.getMessage());
  }

  @Test
  void theNonInteractiveIdentityNamesTheSourceNeverThePin() throws IOException {
    Path file = pinFile("idpin", "secret-pin-value\n", "rw-------");
    String byFile = base().pinFile(file).build().nonInteractiveIdentity().orElseThrow();
    assertTrue(byFile.startsWith("file:" + file.toAbsolutePath()), byFile);
    assertFalse(byFile.contains("secret-pin-value"));
    Files.setLastModifiedTime(
        file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertFalse(byFile.equals(base().pinFile(file).build().nonInteractiveIdentity().orElseThrow()));
    assertEquals(
        "env:MY_PIN",
        base()
            .environment(Map.of("MY_PIN", "x"))
            .pinEnv("MY_PIN")
            .build()
            .nonInteractiveIdentity()
            .orElseThrow());
    assertTrue(base().build().nonInteractiveIdentity().isEmpty(), "the prompt has no identity");
  }
}
