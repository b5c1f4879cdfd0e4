package io.garagehsm.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The logging PKCS#11 pass-through module of src/test/c/logging-shim.c, compiled with gcc for the
 * test: it forwards to a real module and writes one line per session, login and signature call, so
 * tests count C_Login per run and the most sessions open at once; it can also hold a chosen call
 * until the test says go (see the C source).
 */
public final class LoggingShim {
  private static final Path SOURCE = Path.of("src/test/c/logging-shim.c");
  private static final Path HEADERS = Path.of("/usr/include/p11-kit-1");

  private final Path library;

  private LoggingShim(Path library) {
    this.library = library;
  }

  /** Compiles the shim into {@code folder} (once per folder). */
  public static synchronized LoggingShim build(Path folder) {
    Path library = folder.toAbsolutePath().resolve("logging-shim.so");
    if (Files.exists(library)) {
      return new LoggingShim(library);
    }
    if (!Files.isDirectory(HEADERS.resolve("p11-kit"))) {
      throw new AssertionError(
          HEADERS
              + "/p11-kit/pkcs11.h is missing: install libp11-kit-dev (scripts/install-deps.sh)");
    }
    try {
      Files.createDirectories(folder);
      Path log = folder.resolve("gcc.log");
      Process gcc =
          new ProcessBuilder(
                  List.of(
                      "gcc",
                      "-shared",
                      "-fPIC",
                      "-O1",
                      "-Wall",
                      "-Werror",
                      "-I" + HEADERS,
                      "-o",
                      library.toString(),
                      SOURCE.toAbsolutePath().toString(),
                      "-ldl",
                      "-lpthread"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
        gcc.destroyForcibly();
        throw new AssertionError(
            "gcc could not build the logging shim: " + Files.readString(log).strip());
      }
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run gcc (install gcc, scripts/install-deps.sh): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return new LoggingShim(library);
  }

  public Path library() {
    return library;
  }

  /** What the shim logged to one file. */
  public record Log(List<String> lines) {
    public static Log read(Path file) {
      try {
        return new Log(
            Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
      } catch (IOException e) {
        throw new AssertionError("cannot read " + file, e);
      }
    }

    /** Calls of {@code function} (e.g. "C_Login"), whatever they returned. */
    public long calls(String function) {
      return lines.stream().filter(l -> l.startsWith(function + " ")).count();
    }

    /** Calls of {@code function} that returned {@code ckrHex} (e.g. "0x0"). */
    public long calls(String function, String ckrHex) {
      return lines.stream().filter(l -> l.startsWith(function + " " + ckrHex + " ")).count();
    }

    /** The most sessions that were open at once. */
    public long maxSessions() {
      return lines.stream()
          .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf("max=") + 4).strip()))
          .max()
          .orElse(0);
    }

    @Override
    public String toString() {
      return String.join("\n", lines);
    }
  }
}
