package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.garagehsm.metadata.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Runs garage-hsm in-process with a frozen clock and a home folder; helpers for assertions. */
final class Cli {
  static final ObjectMapper JSON = new ObjectMapper();

  private Cli() {}

  /** What one run printed and returned. */
  record Result(int code, byte[] outBytes, String err) {
    String out() {
      return new String(outBytes, StandardCharsets.UTF_8);
    }

    Result ok() {
      assertEquals(0, code, () -> "exit " + code + "\nstderr:\n" + err + "\nstdout:\n" + out());
      return this;
    }

    Result fails(int expected) {
      assertEquals(expected, code, () -> "stderr:\n" + err + "\nstdout:\n" + out());
      return this;
    }
  }

  static Clock at(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }

  /** Runs with {@code --home-dir home} appended (options come after the command words). */
  static Result run(Clock clock, Path home, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--home-dir");
    a.add(home.toString());
    return runRaw(clock, a.toArray(String[]::new));
  }

  static Result runRaw(Clock clock, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, Map.of(), clock, args);
    }
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  /** Copies a vector folder (e.g. {@code repo-flow/tuf/myrepo}) to {@code target}. */
  static void copyVector(String rel, Path target) {
    Path src = Vectors.path(rel);
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = target.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every file under a folder with its bytes (the lock file excluded). */
  static Map<String, String> snapshot(Path dir) {
    Map<String, String> m = new TreeMap<>();
    if (!Files.exists(dir)) {
      return m;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        // the lock, and the wrong-PIN ledger a failed login writes on purpose
        if (Files.isRegularFile(p)
            && !name.equals(".garage-hsm.lock")
            && !name.equals(".pin-failures")) {
          m.put(
              dir.relativize(p).toString(),
              java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
        } else if (Files.isDirectory(p)) {
          m.put(dir.relativize(p) + "/", "dir");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }

  static JsonNode readJson(Path p) {
    try {
      return JSON.readTree(p.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode vectorJson(String rel) {
    return readJson(Vectors.path(rel));
  }

  static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path p, String content) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
