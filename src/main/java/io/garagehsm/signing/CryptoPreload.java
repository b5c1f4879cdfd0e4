package io.garagehsm.signing;

import io.garagehsm.metadata.MetadataJson;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;

/**
 * Sets up the JDK's providers (SHA-256, the Ed25519 and RSA factories) and the JSON factory on a
 * background thread at the start of a command-line run, while the main thread builds the command
 * tree: a short command otherwise spends about a third of its own work on that set-up, one class
 * after another, with the second core idle. The main thread does the same look-ups when it needs
 * them and waits (JVM class initialisation locks) only for what is still running; nothing here
 * reads a file, a key or the environment, and failures are left for the main thread to meet and
 * report.
 */
public final class CryptoPreload {
  /** How long {@link #awaitFinished} waits at most (the set-up takes tens of milliseconds). */
  private static final long AWAIT_MILLIS = 30_000;

  private static volatile Thread started;

  private CryptoPreload() {}

  /** Starts the set-up (a daemon thread, so it never delays the exit). */
  public static void start() {
    // a class, not CryptoPreload::run: the process's first lambda pays for setting up method
    // handles (~15 ms of a short command's main thread), which this thread now does beside it
    Thread t = new Thread(new Run(), "crypto-preload");
    t.setDaemon(true);
    started = t;
    t.start();
  }

  /**
   * Waits until the set-up started by {@link #start} has finished (at once if none was started).
   * Only for runs whose set of loaded classes is recorded (the launcher's archive-recording run,
   * the build's class-list runs: cli/ArchiveTraining): without it, what the set-up had loaded by
   * the exit would depend on thread timing. A user's command never waits.
   */
  public static void awaitFinished() throws InterruptedException {
    Thread t = started;
    if (t != null) {
      t.join(AWAIT_MILLIS);
    }
  }

  private static final class Run implements Runnable {
    @Override
    public void run() {
      CryptoPreload.run();
    }
  }

  private static void run() {
    try {
      // a digest, not only the look-up: the first one sets up the JDK's byte-array views
      MessageDigest.getInstance("SHA-256").digest(new byte[0]);
      KeyFactory.getInstance("Ed25519");
      Signature.getInstance("Ed25519");
      KeyFactory.getInstance("RSA");
      MetadataJson.object();
    } catch (GeneralSecurityException | RuntimeException e) {
      // the main thread meets the same failure where it can report it
    }
  }
}
