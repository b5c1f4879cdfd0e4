package io.garagehsm.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs garage-hsm as its own JVM, as a CI job does: the PKCS#11 client module reads
 * P11_KIT_SERVER_ADDRESS from the process environment, and a run is one process, so the shim's log
 * of one run counts that run's logins exactly.
 */
public final class CliProcess {
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final Path home;
  private final Path logs;
  private final Map<String, String> env = new HashMap<>();

  public CliProcess(Path home, Path logs) {
    this.home = home;
    this.logs = logs;
    env.put("GARAGE_HSM_RETRY_WAIT", "10ms");
    env.put("GARAGE_HSM_RETRIES", "2");
    env.put("GARAGE_HSM_REQUEST_TIMEOUT", "20s");
    env.put("GARAGE_HSM_CONNECT_TIMEOUT", "5s");
    env.put("LC_ALL", "C");
  }

  public CliProcess env(String name, String value) {
    if (value == null) {
      env.remove(name);
    } else {
      env.put(name, value);
    }
    return this;
  }

  /** One finished run: exit code, output, and what the shim logged during it. */
  public record Result(int exit, String out, String err, LoggingShim.Log calls) {
    @Override
    public String toString() {
      return "exit "
          + exit
          + "\n--- out:\n"
          + out
          + "\n--- err:\n"
          + err
          + "\n--- calls:\n"
          + calls;
    }
  }

  /** A run in progress. */
  public final class Running {
    private final Process process;
    private final Path out;
    private final Path err;
    private final Path shimLog;

    Running(Process process, Path out, Path err, Path shimLog) {
      this.process = process;
      this.out = out;
      this.err = err;
      this.shimLog = shimLog;
    }

    public Result await() {
      try {
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
          P11KitServer.killTree(process.toHandle());
          throw new AssertionError("garage-hsm did not finish within 180 s: " + read(err));
        }
        return new Result(process.exitValue(), read(out), read(err), LoggingShim.Log.read(shimLog));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    public boolean alive() {
      return process.isAlive();
    }
  }

  public Result run(String... args) {
    return start(Map.of(), args).await();
  }

  /** A run reading {@code stdin} (e.g. a manifest given as {@code --manifest -}). */
  public Result runWithInput(String stdin, String... args) {
    Path in = logs.resolve("run-stdin-" + RUNS.incrementAndGet());
    try {
      Files.createDirectories(logs);
      Files.writeString(in, stdin, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return start(Map.of(), in, args).await();
  }

  /** Starts a run with extra environment (e.g. GARAGE_SHIM_PAUSE) and returns at once. */
  public Running start(Map<String, String> extraEnv, String... args) {
    return start(extraEnv, Path.of("/dev/null"), args);
  }

  /**
   * Runs another main class of the test classpath (e.g. {@link ParallelSigningRun}) with this
   * environment and the shim log of its own.
   */
  public Result runClass(String mainClass, Map<String, String> extraEnv, String... args) {
    return launch(extraEnv, Path.of("/dev/null"), mainClass, args).await();
  }

  private Running start(Map<String, String> extraEnv, Path stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--home-dir");
    all.add(home.toString());
    return launch(extraEnv, stdin, "io.garagehsm.cli.Main", all.toArray(String[]::new));
  }

  private Running launch(
      Map<String, String> extraEnv, Path stdin, String mainClass, String... args) {
    int n = RUNS.incrementAndGet();
    Path out = logs.resolve("run-" + n + ".out");
    Path err = logs.resolve("run-" + n + ".err");
    Path shimLog = logs.resolve("run-" + n + ".calls");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    try {
      Files.createDirectories(logs);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().keySet().removeIf(k -> k.startsWith("GARAGE_") || k.startsWith("P11_KIT"));
      pb.environment().putAll(env);
      pb.environment().putAll(extraEnv);
      pb.environment().put("GARAGE_SHIM_LOG", shimLog.toString());
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(stdin.toFile()));
      return new Running(pb.start(), out, err, shimLog);
    } catch (IOException e) {
      throw new AssertionError("cannot start garage-hsm: " + e.getMessage(), e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
