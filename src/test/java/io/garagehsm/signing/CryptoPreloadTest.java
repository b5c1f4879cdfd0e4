package io.garagehsm.signing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * The wait that only class-list and archive-recording runs use (cli/ArchiveTraining): after it, no
 * set-up thread is left loading classes.
 */
class CryptoPreloadTest {
  private static boolean setUpThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("crypto-preload") && t.isAlive());
  }

  @Test
  void awaitFinishedReturnsOnlyOnceTheSetUpHasEnded() throws Exception {
    CryptoPreload.start();
    CryptoPreload.awaitFinished();
    assertFalse(setUpThreadAlive(), "the set-up thread still runs after awaitFinished");
    CryptoPreload.awaitFinished(); // again: at once
  }
}
