package io.garagehsm.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process with a home folder and environment; captures out, err, exit code. */
public final class CliRun {
  private final Path home;
  private final Map<String, String> env = new HashMap<>();
  private Clock clock = Clock.systemUTC();

  public CliRun(Path home) {
    this.home = home;
    // fast, bounded retries for tests
    env.put("GARAGE_HSM_RETRY_WAIT", "10ms");
    env.put("GARAGE_HSM_RETRIES", "2");
    env.put("GARAGE_HSM_REQUEST_TIMEOUT", "10s");
    env.put("GARAGE_HSM_CONNECT_TIMEOUT", "5s");
  }

  public CliRun env(String k, String v) {
    env.put(k, v);
    return this;
  }

  public CliRun clock(Clock c) {
    clock = c;
    return this;
  }

  /** The outcome of one run. */
  public record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err;
    }
  }

  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--home-dir");
    a.add(home.toString());
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, env, clock, a.toArray(String[]::new));
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
