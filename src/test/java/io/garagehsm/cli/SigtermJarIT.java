package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.remote.LoggingShim;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM and Ctrl-C end a run of the shaded jar promptly where it waits on something it cannot
 * interrupt (issue 14, item 3): at the interactive PIN prompt (a real pseudo-terminal, made by
 * util-linux {@code script}) and inside a token call that takes minutes (the logging shim's {@code
 * GARAGE_SHIM_SLOW} on SoftHSM2, with the module busy meanwhile). A JNI call into a PKCS#11 module
 * cannot be interrupted; "promptly" means the process ends within seconds of the signal without
 * waiting for the call to return, nothing is cleaned up on the token (the module and the OS drop
 * the session with the process), the exit code is the JVM's 128 + signal number (143, 130), every
 * file under the home folder is as it was (no temporary file left, the lock file aside), nothing is
 * dropped in the working directory, and the next run takes the repository lock and signs. The same
 * assertions as {@code HostileServerJarIT.sigtermEndsARunWaitingOnATricklingServer}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigtermJarIT {
  private static final Duration PROMPT = Duration.ofSeconds(10);

  private Path jar;
  private TestToken token;
  private Path template;

  @TempDir Path tmp;
  private Path home;
  private Path cwd;

  @BeforeAll
  void repositoryWithATokenKey(@TempDir Path shared) {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    jar = Path.of(jarProp);
    assertTrue(Files.isRegularFile(jar), jar + " missing: run 'package' first");
    token = TestTokens.create("sigterm-jar");
    template = shared.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", template.resolve("myrepo"));
    CliRun.Result gen =
        new CliRun(template)
            .run(
                "key",
                "generate",
                "-r",
                "myrepo",
                "-n",
                "tk",
                "--token",
                // no module-path: a run takes GARAGE_HSM_MODULE (the shim), else SoftHSM2
                token.uri().withoutQuery().toString(),
                "--pin-file",
                token.pinFile().toString());
    assertEquals(0, gen.exit(), gen.toString());
  }

  @BeforeEach
  void freshCopy() throws IOException {
    home = tmp.resolve("home");
    cwd = Files.createDirectories(tmp.resolve("cwd"));
    try (Stream<Path> s = Files.walk(template)) {
      for (Path p : s.toList()) {
        Path t = home.resolve(template.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private List<String> javaCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    cmd.add("--home-dir");
    cmd.add(home.toString());
    return cmd;
  }

  private ProcessBuilder builder(List<String> cmd, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    pb.environment().remove("GARAGE_HSM_PIN");
    pb.environment().putAll(env);
    return pb;
  }

  /** The run's output so far, read by a thread (a prompt has no line end). */
  private static final class Output {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Output(InputStream in) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[4096];
                try {
                  for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    synchronized (bytes) {
                      bytes.write(buf, 0, n);
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "pty-output");
      t.setDaemon(true);
      t.start();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /**
   * {@code script -qfec "<java -jar …>" /dev/null}: the JVM runs on a pseudo-terminal (its stdin,
   * stdout and stderr), so System.console() exists and the PIN is asked for interactively.
   * SHELL=/bin/bash execs the single command, so the JVM is the terminal's session leader.
   */
  private Process startOnTerminal(String... args) throws IOException {
    StringBuilder line = new StringBuilder();
    for (String a : javaCommand(args)) {
      line.append(line.length() == 0 ? "" : " ").append('\'').append(a.replace("'", "'\\''"));
      line.append('\'');
    }
    ProcessBuilder pb =
        builder(
            List.of("script", "-qfec", line.toString(), "/dev/null"), Map.of("SHELL", "/bin/bash"));
    pb.redirectErrorStream(true);
    return pb.start();
  }

  private static ProcessHandle jvmOf(Process script) {
    return script
        .toHandle()
        .descendants()
        .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no java process under script"));
  }

  private static void awaitText(Output out, Process p, String text, Duration d)
      throws InterruptedException {
    long until = System.nanoTime() + d.toNanos();
    while (!out.text().contains(text)) {
      assertTrue(p.isAlive(), "the run ended before \"" + text + "\":\n" + out.text());
      assertTrue(System.nanoTime() < until, "no \"" + text + "\" within " + d + ":\n" + out.text());
      Thread.sleep(50);
    }
  }

  private String promptText() {
    return "Enter user PIN for token '" + token.label() + "': ";
  }

  /** After the signal nothing changed, and the next run takes the lock and signs. */
  private void assertUntouchedAndUsable(Map<String, String> before) throws IOException {
    assertEquals(before, HostileServerCliTest.snapshot(home), "files changed by the ended run");
    try (Stream<Path> s = Files.list(cwd)) {
      assertEquals(List.of(), s.toList(), "files left in the working directory");
    }
    CliRun.Result next =
        new CliRun(home)
            .run(
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--key-name",
                "tk",
                "--expire-after",
                "1Y",
                "--pin-file",
                token.pinFile().toString());
    assertEquals(0, next.exit(), "the next run: " + next);
    assertNotEquals(
        before.get("myrepo/roles/targets.json"),
        HostileServerCliTest.snapshot(home).get("myrepo/roles/targets.json"),
        "the next run signed");
  }

  @Test
  void sigtermAtThePinPromptEndsTheRunAndChangesNothing() throws Exception {
    Map<String, String> before = HostileServerCliTest.snapshot(home);
    Process script =
        startOnTerminal(
            "targets", "sign", "-r", "myrepo", "--key-name", "tk", "--expire-after", "1Y");
    try {
      Output out = new Output(script.getInputStream());
      awaitText(out, script, promptText(), Duration.ofSeconds(90));
      Thread.sleep(500); // waiting in the prompt
      ProcessHandle jvm = jvmOf(script);
      jvm.destroy(); // SIGTERM to the JVM
      assertTrue(
          script.waitFor(PROMPT.toSeconds(), TimeUnit.SECONDS),
          "SIGTERM did not end the run at the PIN prompt:\n" + out.text());
      assertEquals(143, script.exitValue(), out.text());
      assertUntouchedAndUsable(before);
    } finally {
      script.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
    }
  }

  @Test
  void ctrlCAtThePinPromptEndsTheRunAndChangesNothing() throws Exception {
    Map<String, String> before = HostileServerCliTest.snapshot(home);
    Process script =
        startOnTerminal(
            "targets", "sign", "-r", "myrepo", "--key-name", "tk", "--expire-after", "1Y");
    try {
      Output out = new Output(script.getInputStream());
      awaitText(out, script, promptText(), Duration.ofSeconds(90));
      Thread.sleep(500);
      OutputStream keys = script.getOutputStream();
      keys.write(0x03); // Ctrl-C typed on the terminal: SIGINT from the line discipline
      keys.flush();
      assertTrue(
          script.waitFor(PROMPT.toSeconds(), TimeUnit.SECONDS),
          "Ctrl-C did not end the run at the PIN prompt:\n" + out.text());
      assertEquals(130, script.exitValue(), out.text());
      assertUntouchedAndUsable(before);
    } finally {
      script.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
    }
  }

  /**
   * SIGTERM while the token takes 10 minutes over {@code function}: the run ends within seconds,
   * the call never returned (the shim logs a call when it returns), nothing changed.
   */
  private void sigtermInsideASlowTokenCall(String function) throws Exception {
    LoggingShim shim = LoggingShim.build(tmp.resolve("shim"));
    Path slow = Files.createDirectories(tmp.resolve("slow"));
    Path shimLog = tmp.resolve("shim.log");
    Map<String, String> before = HostileServerCliTest.snapshot(home);
    ProcessBuilder pb =
        builder(
            javaCommand(
                "targets",
                "sign",
                "-r",
                "myrepo",
                "--key-name",
                "tk",
                "--expire-after",
                "1Y",
                "--pin-file",
                token.pinFile().toString()),
            Map.of(
                "GARAGE_HSM_MODULE",
                shim.library().toString(),
                "GARAGE_SHIM_TARGET",
                TestTokens.MODULE.toString(),
                "GARAGE_SHIM_SLOW",
                function + ":600000:" + slow,
                "GARAGE_SHIM_LOG",
                shimLog.toString()));
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.exists(slow.resolve("slow"))) {
        assertTrue(p.isAlive(), "the run ended before " + function + ": " + Files.readString(err));
        assertTrue(System.nanoTime() < until, "the run never reached " + function);
        Thread.sleep(50);
      }
      Thread.sleep(500); // inside the call
      assertTrue(p.isAlive());
      p.destroy(); // SIGTERM
      assertTrue(
          p.waitFor(PROMPT.toSeconds(), TimeUnit.SECONDS),
          "SIGTERM did not end the run inside a slow " + function + ": " + Files.readString(err));
      assertEquals(143, p.exitValue(), Files.readString(err));
      LoggingShim.Log calls = LoggingShim.Log.read(shimLog);
      assertEquals(0, calls.calls(function), "the slow call returned:\n" + calls);
      assertUntouchedAndUsable(before);
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void sigtermInsideASlowSignCallEndsTheRunAndChangesNothing() throws Exception {
    sigtermInsideASlowTokenCall("C_Sign");
  }

  @Test
  void sigtermInsideASlowLoginEndsTheRunAndChangesNothing() throws Exception {
    sigtermInsideASlowTokenCall("C_Login");
  }
}
