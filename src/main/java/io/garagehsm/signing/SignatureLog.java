package io.garagehsm.signing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Receives a record of every signature {@link MetadataSigner#signChecked} makes while it is the
 * current log of the thread. The CLI makes one current for each invocation, so every procedure that
 * signs — whichever package it lives in — feeds the ceremony transcript without code of its own.
 */
@FunctionalInterface
public interface SignatureLog {
  void signed(SignatureRecord record);

  /** Runs {@code body} with {@code log} receiving the signatures made on this thread. */
  static <T> T recording(SignatureLog log, Supplier<T> body) {
    SignatureLog before = Current.LOG.get();
    Current.LOG.set(log);
    try {
      return body.get();
    } finally {
      if (before == null) {
        Current.LOG.remove();
      } else {
        Current.LOG.set(before);
      }
    }
  }

  /** Reports to the current log, if any. */
  static void report(SignatureRecord record) {
    SignatureLog log = Current.LOG.get();
    if (log != null) {
      log.signed(record);
    }
  }

  /** SHA-256 of bytes, lower-case hex. */
  static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  /** The thread's current log (one invocation runs on one thread). */
  final class Current {
    private static final ThreadLocal<SignatureLog> LOG = new ThreadLocal<>();

    private Current() {}
  }
}
