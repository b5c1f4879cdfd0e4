package io.garagehsm.cli;

import io.garagehsm.signing.CryptoPreload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.Security;

/**
 * The end of the launcher's archive-recording run: loads the classes of the common commands (a list
 * the build made by running them, shipped in the jar) so that the class-data sharing archive (Java
 * 17: a dynamic CDS archive; Java 25: an AOT cache) holds them whatever command the user happened
 * to run first. Only when the launcher asks (system property {@value #PROPERTY}), only after the
 * command finished and flushed its output; classes are loaded, never initialised (no static
 * initialiser runs: no files, no network, no provider set-up), and a name this runtime does not
 * have (another Java's internals) is skipped quietly.
 *
 * <p>The recording run first waits for signing/CryptoPreload's thread to finish. The build's own
 * runs of the commands (value {@value #BUILD}) must load the same classes whatever the timing (a
 * list that did not made two builds of one commit differ): there the set-up runs alone before the
 * command ({@link #preloadStarted}), and at the end every security provider of the runtime is
 * instantiated, since which of them a lookup instantiates depends on thread timing and on the order
 * the JDK's service loader finds them in. A user's other runs never wait.
 */
final class ArchiveTraining {
  /** Set to {@code 1} by scripts/garage-hsm on the run that records the archive. */
  static final String PROPERTY = "garage-hsm.archive-training";

  /** The value of {@value #PROPERTY} on the build's class-list runs (ClassListBuild): wait only. */
  static final String BUILD = "build";

  /** The list in the jar (beside this class), one binary class name a line, sorted. */
  static final String LIST = "archive-classes.txt";

  private ArchiveTraining() {}

  /**
   * Called once CryptoPreload has started: on the build's class-list runs, waits for it, so that
   * the command's own class loading never races the set-up's. Any other run goes on at once.
   */
  static void preloadStarted() {
    if (BUILD.equals(System.getProperty(PROPERTY))) {
      try {
        CryptoPreload.awaitFinished();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Loads the listed classes if this run records the archive; never fails the run. */
  static void loadIfRecording() {
    String mode = System.getProperty(PROPERTY);
    if (!"1".equals(mode) && !BUILD.equals(mode)) {
      return;
    }
    try {
      CryptoPreload.awaitFinished();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (BUILD.equals(mode)) {
      Security.getProviders(); // their classes are listed, whichever a lookup happened to load
      return; // the build lists what the command loaded, not what an older list names
    }
    try (InputStream in = ArchiveTraining.class.getResourceAsStream(LIST)) {
      if (in != null) {
        load(in, ArchiveTraining.class.getClassLoader());
      }
    } catch (IOException | UncheckedIOException e) {
      // only the archive is the poorer for it
    }
  }

  /** Loads (without initialising) every class named in {@code list}; returns how many loaded. */
  static int load(InputStream list, ClassLoader loader) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(list, StandardCharsets.UTF_8));
    int loaded = 0;
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      try {
        Class.forName(name, false, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        // another Java's internals, or a class whose optional dependency is not in the jar
      }
    }
    return loaded;
  }
}
