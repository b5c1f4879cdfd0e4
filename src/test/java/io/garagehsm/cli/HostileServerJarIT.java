package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.HostileServer;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a real process against a malicious server (issue 14, item 3): a body of
 * gigabytes, raw or as a gzip bomb, ends the run with one error line and exit 3 — never an
 * OutOfMemoryError, never a hang — and SIGTERM ends a run that waits on a trickling server at once.
 * Each time every file of the repository is as it was.
 */
class HostileServerJarIT {
  private static Path jar;

  @TempDir Path home;

  @BeforeAll
  static void findJar() {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    jar = Path.of(jarProp);
    assertTrue(Files.isRegularFile(jar), jar + " missing: run 'package' first");
  }

  private record Proc(Process process, Path out, Path err) {
    String errText() throws Exception {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      try {
        return "exit "
            + (process.isAlive() ? "(running)" : process.exitValue())
            + "\n--- out:\n"
            + Files.readString(out, StandardCharsets.UTF_8)
            + "\n--- err:\n"
            + errText();
      } catch (Exception e) {
        return e.toString();
      }
    }
  }

  /** {@code java -Xmx256m -jar …} with retries off; the heap is small so a leak shows. */
  private Proc start(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    cmd.add("--home-dir");
    cmd.add(home.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("GARAGE_HSM_RETRIES", "0");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new Proc(pb.start(), out, err);
  }

  /** Waits for the run to end by itself; if it does not, SIGTERM, and says whether that worked. */
  private static void awaitEnd(Proc p, Duration d) throws Exception {
    if (p.process().waitFor(d.toMillis(), TimeUnit.MILLISECONDS)) {
      return;
    }
    p.process().destroy();
    boolean term = p.process().waitFor(10, TimeUnit.SECONDS);
    p.process().destroyForcibly();
    throw new AssertionError(
        "the run did not end within "
            + d
            + "; SIGTERM "
            + (term ? "ended it" : "was lost")
            + "\n"
            + p);
  }

  private void assertCutOff(HostileServer.Answer answer, String expected) throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = HostileServerCliTest.repoBehind(home, server, front, null);
      Map<String, String> before = HostileServerCliTest.snapshot(repo.dir());
      front.always(r -> r.is("GET", "/targets.json"), answer);
      Proc p = start(Map.of(), "targets", "pull", "-r", "r");
      awaitEnd(p, Duration.ofSeconds(90));
      assertEquals(ExitCodes.OTHER, p.process().exitValue(), p.toString());
      String err = p.errText();
      List<String> errors = err.lines().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), p.toString());
      assertTrue(errors.get(0).contains(expected), p.toString());
      assertTrue(errors.get(0).endsWith("MiB (a third of the Java heap)"), p.toString());
      assertFalse(err.contains("OutOfMemoryError"), p.toString());
      assertEquals(before, HostileServerCliTest.snapshot(repo.dir()));
    }
  }

  @Test
  void gigabytesOfBodyEndTheRunWithOneLine() throws Exception {
    assertCutOff(HostileServer.huge(3L << 30), "GET targets.json: the answer from ");
  }

  @Test
  void gzipBombEndsTheRunWithOneLine() throws Exception {
    assertCutOff(HostileServer.gzipBomb(3L << 30), " decodes to more than ");
  }

  @Test
  void sigtermEndsARunWaitingOnATricklingServer() throws Exception {
    try (TestReposerver server = TestReposerver.start();
        HostileServer front = HostileServer.inFrontOf(server.url())) {
      Repository repo = HostileServerCliTest.repoBehind(home, server, front, null);
      Map<String, String> before = HostileServerCliTest.snapshot(repo.dir());
      front.always(
          r -> r.is("GET", "/root.json"),
          HostileServer.trickle(new byte[100_000], Duration.ofMillis(200)));
      Proc p = start(Map.of("GARAGE_HSM_REQUEST_TIMEOUT", "600s"), "root", "pull", "-r", "r");
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (front.requests().isEmpty() && System.nanoTime() < until && p.process().isAlive()) {
        Thread.sleep(50);
      }
      assertEquals(1, front.requests().size(), p.toString());
      Thread.sleep(1000); // well inside the trickle
      assertTrue(p.process().isAlive(), p.toString());
      p.process().destroy(); // SIGTERM
      boolean ended = p.process().waitFor(10, TimeUnit.SECONDS);
      p.process().destroyForcibly();
      assertTrue(ended, "SIGTERM did not end the run\n" + p);
      assertEquals(143, p.process().exitValue(), p.toString());
      assertEquals(before, HostileServerCliTest.snapshot(repo.dir()));
    }
  }
}
