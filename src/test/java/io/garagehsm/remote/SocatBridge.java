package io.garagehsm.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code socat} carrying a Unix socket over TCP: listens on a Unix socket (what the p11-kit client
 * reaches through P11_KIT_SERVER_ADDRESS, which has no TCP form) and forwards every connection to
 * 127.0.0.1:port. Stopped by pid with its per-connection children.
 */
public final class SocatBridge implements AutoCloseable {
  private final Process process;
  private final Path socket;

  private SocatBridge(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
  }

  /** Listens on {@code socket}, forwards to 127.0.0.1:{@code port}. */
  public static SocatBridge unixToTcp(Path socket, int port) {
    if (!Files.isExecutable(Path.of("/usr/bin/socat"))) {
      throw new AssertionError(
          "/usr/bin/socat is missing: the TCP remote-token tests need it (scripts/install-deps.sh)");
    }
    try {
      Files.createDirectories(socket.getParent());
      Files.deleteIfExists(socket);
      Path log = socket.resolveSibling(socket.getFileName() + ".socat.log");
      ProcessBuilder pb =
          new ProcessBuilder(
              "/usr/bin/socat",
              "UNIX-LISTEN:" + socket + ",fork,unlink-early",
              "TCP:127.0.0.1:" + port);
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.exists(socket)) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          P11KitServer.killTree(p.toHandle());
          throw new AssertionError(
              "socat did not listen on " + socket + ": " + Files.readString(log).strip());
        }
        Thread.sleep(20);
      }
      return new SocatBridge(p, socket);
    } catch (IOException e) {
      throw new AssertionError("cannot start socat: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while starting socat", e);
    }
  }

  public String address() {
    return "unix:path=" + socket;
  }

  @Override
  public void close() {
    P11KitServer.killTree(process.toHandle());
  }
}
