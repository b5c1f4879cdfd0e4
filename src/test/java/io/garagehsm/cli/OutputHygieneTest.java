package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.FakeModules;
import io.garagehsm.server.ServerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output hygiene (issue 14 item 8): control characters from inputs never reach the terminal raw,
 * target fields refuse them, and a file that is not a PKCS#11 module is named as such.
 */
class OutputHygieneTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String SHA = "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f";

  @TempDir Path home;
  Path repo;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
  }

  static void assertNoControlCharacters(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f);
      assertFalse(control, () -> "raw control character U+" + (int) c + " in:\n" + text);
    }
  }

  @Test
  void targetFieldsRefuseControlCharacters() {
    Map<String, String> before = Cli.snapshot(home);
    for (String option : List.of("--name", "--version", "--hardwareids")) {
      String[] args = {
        "targets",
        "add",
        "-r",
        "myrepo",
        "--name",
        "fw",
        "--version",
        "1.0",
        "--length",
        "32",
        "--sha256",
        SHA,
        "--hardwareids",
        "board"
      };
      for (int i = 0; i < args.length - 1; i++) {
        if (args[i].equals(option)) {
          args[i + 1] = args[i + 1] + "\u001b[2J";
        }
      }
      Cli.Result r = Cli.run(NOW, home, args);
      assertEquals(3, r.code(), () -> option + "\n" + r.err());
      assertTrue(r.err().contains(option) && r.err().contains("control character"), r::err);
      assertNoControlCharacters(r.err());
      assertEquals(before, Cli.snapshot(home), option);
    }
  }

  @Test
  void controlCharactersFromFilesAndArgumentsAreEscapedInMessages() throws IOException {
    Path unsigned = repo.resolve("roles/unsigned/targets.json");
    Files.createDirectories(unsigned.getParent());
    Files.writeString(
        unsigned,
        "{\"_type\":\"Targets\",\"expires\":\"2027-01-01T00:00:00Z\",\"version\":1,"
            + "\"targets\":{\"evil\\u001b]0;owned\\u0007\\u009b\":{\"length\":1,"
            + "\"hashes\":{\"sha256\":\""
            + SHA
            + "\"}}}}",
        StandardCharsets.UTF_8);
    Cli.Result r =
        Cli.run(NOW, home, "targets", "delete", "-r", "myrepo", "--filename", "x\u001b[31mred\ny");
    assertEquals(3, r.code(), r::err);
    assertNoControlCharacters(r.err());
    assertTrue(r.err().contains("x\\x1b[31mred\\ny"), r::err);
    assertTrue(r.err().contains("evil\\x1b]0;owned\\x07\\x9b"), r::err);
    assertEquals(2, r.err().lines().count(), r::err); // error + hint, nothing injected
  }

  @Test
  void serverErrorsAreEscapedInTheCentralReport() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(),
            NOW);
    int code =
        ErrorReport.report(
            ctx,
            new ServerException(
                "server said \u001b[2Jcleared\nerror: fake line",
                500,
                null,
                List.of(),
                "retry \u202eevil",
                null));
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(3, code);
    assertNoControlCharacters(text);
    assertEquals(
        "error: server said \\x1b[2Jcleared\\nerror: fake line\nhint: retry \\u202eevil\n", text);
  }

  @Test
  void aFileThatIsNotAPkcs11ModuleIsNamedAsSuch() throws IOException {
    Path marker = home.resolve("not-a-module-loaded");
    Path notModule = FakeModules.withoutFunctionList(home.resolve("lib"), marker);
    Path garbage = home.resolve("garbage.bin");
    byte[] junk = new byte[4096];
    new java.util.Random(7).nextBytes(junk);
    Files.write(garbage, junk);
    for (Path module : List.of(notModule, garbage)) {
      Cli.Result r = Cli.run(NOW, home, "tokens", "list", "--module", module.toString());
      assertEquals(3, r.code(), r::err);
      assertTrue(r.err().contains(module + " is not a PKCS#11 module"), r::err);
      assertTrue(r.err().contains("no C_GetFunctionList"), r::err);
      assertNoControlCharacters(r.err());
    }
    assertFalse(Files.exists(marker), "a file without C_GetFunctionList was loaded anyway");
  }
}
