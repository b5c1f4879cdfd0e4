package io.garagehsm.remote;

import io.garagehsm.pkcs11.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code p11-kit server} exporting one SoftHSM2 token over a Unix socket, for the
 * remote-token tests. Each server has its own runtime folder ({@code XDG_RUNTIME_DIR}) and socket
 * under the given folder, is stopped by its pid (with the per-connection {@code p11-kit-remote}
 * children it forked, which would otherwise keep serving open connections), and can be restarted on
 * the same socket to model a networked HSM that comes back. A server that cannot start fails the
 * test: the suite never skips.
 */
public final class P11KitServer implements AutoCloseable {
  /** The client module the signing side loads (Debian package p11-kit-modules). */
  public static final Path CLIENT_MODULE =
      Path.of("/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so");

  private static final String INSTALL_HINT =
      "the remote-token tests need p11-kit and p11-kit-modules (scripts/install-deps.sh installs"
          + " them)";

  private final Path runtimeDir;
  private final Path socket;
  private final String tokenLabel;
  private Process process;

  private P11KitServer(Path folder, String tokenLabel) {
    this.runtimeDir = folder.resolve("runtime");
    this.socket = runtimeDir.resolve("p11-kit.sock");
    this.tokenLabel = tokenLabel;
  }

  /** Starts a server for the SoftHSM2 token {@code tokenLabel} with its files under folder. */
  public static P11KitServer start(Path folder, String tokenLabel) {
    P11KitServer server = new P11KitServer(folder.toAbsolutePath(), tokenLabel);
    server.startProcess();
    return server;
  }

  /** {@code unix:path=<socket>}, what P11_KIT_SERVER_ADDRESS must say to reach this server. */
  public String address() {
    return "unix:path=" + socket;
  }

  public Path socket() {
    return socket;
  }

  public String tokenLabel() {
    return tokenLabel;
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the server again on the same socket (after {@link #stop}). */
  public synchronized void restart() {
    if (running()) {
      throw new IllegalStateException("p11-kit server still running");
    }
    startProcess();
  }

  private synchronized void startProcess() {
    if (!Files.isExecutable(Path.of("/usr/bin/p11-kit"))) {
      throw new AssertionError("/usr/bin/p11-kit is missing; " + INSTALL_HINT);
    }
    if (!Files.isRegularFile(CLIENT_MODULE)) {
      throw new AssertionError(CLIENT_MODULE + " is missing; " + INSTALL_HINT);
    }
    try {
      Files.createDirectories(runtimeDir);
      Files.deleteIfExists(socket);
      Path log = runtimeDir.resolve("server.log");
      ProcessBuilder pb =
          new ProcessBuilder(
              "/usr/bin/p11-kit",
              "server",
              "-f",
              "-s",
              "-n",
              socket.toString(),
              "--provider",
              TestTokens.MODULE.toString(),
              "pkcs11:token=" + tokenLabel);
      pb.environment().put("XDG_RUNTIME_DIR", runtimeDir.toString());
      pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(socket)) {
        if (!process.isAlive()) {
          throw new AssertionError(
              "p11-kit server exited with "
                  + process.exitValue()
                  + " before listening on "
                  + socket
                  + ": "
                  + Files.readString(log, StandardCharsets.UTF_8).strip());
        }
        if (System.nanoTime() > deadline) {
          stop();
          throw new AssertionError("p11-kit server did not create " + socket + " within 20 s");
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot start p11-kit server: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while starting p11-kit server", e);
    }
  }

  /**
   * Kills the server and every connection it serves, by pid: what a crashed or unplugged network
   * HSM looks like to the client (its next call fails with CKR_DEVICE_ERROR).
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    killTree(process.toHandle());
    process = null;
  }

  static void killTree(ProcessHandle root) {
    List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
    all.add(0, root);
    for (ProcessHandle p : all) {
      p.destroyForcibly();
    }
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("process " + p.pid() + " did not end", e);
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
