package io.garagehsm.server;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Timeouts, retries and gzip threshold of the HTTP client. Defaults follow garage-sign (waits of 1,
 * 2, 4, 8, 16, 32 seconds; gzip from 500,000 bytes); the environment can override them so tests and
 * slow links can tune them.
 *
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout time allowed for one metadata request and its answer
 * @param retries retries after the first attempt, for idempotent calls only
 * @param firstRetryWait wait before the first retry; doubles each time
 * @param gzipMinBytes request bodies of at least this size are gzipped
 * @param maxResponseBytes largest answer body accepted, on the wire and after gzip decoding
 * @param retryTime the waits between retries of one call add up to at most this
 */
public record ClientSettings(
    Duration connectTimeout,
    Duration requestTimeout,
    int retries,
    Duration firstRetryWait,
    long gzipMinBytes,
    long maxResponseBytes,
    Duration retryTime) {

  /** garage-sign's gzip threshold variable. */
  public static final String ENV_GZIP = "CLI_GZIP_MIN_BYTES";

  public static final String ENV_CONNECT_TIMEOUT = "GARAGE_HSM_CONNECT_TIMEOUT";
  public static final String ENV_REQUEST_TIMEOUT = "GARAGE_HSM_REQUEST_TIMEOUT";
  public static final String ENV_RETRIES = "GARAGE_HSM_RETRIES";
  public static final String ENV_RETRY_WAIT = "GARAGE_HSM_RETRY_WAIT";
  public static final String ENV_RETRY_TIME = "GARAGE_HSM_RETRY_TIME";
  public static final String ENV_MAX_RESPONSE = "GARAGE_HSM_MAX_RESPONSE_SIZE";

  /**
   * 1 GiB: the canonical targets.json of 1,000,000 targets as {@code targets add} writes them
   * (bench TargetsFixture) is 376 MB, so the default never stands in the way of a real repository.
   */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 1L << 30;

  public static ClientSettings defaults() {
    return new ClientSettings(
        Duration.ofSeconds(30),
        Duration.ofSeconds(120),
        6,
        Duration.ofSeconds(1),
        500_000,
        DEFAULT_MAX_RESPONSE_BYTES,
        Duration.ofSeconds(60));
  }

  /**
   * These settings bounded for a check that must answer soon ({@code status}, {@code doctor}): at
   * most 10 s to connect, 30 s per request and one retry, rather than a minute of retries for a
   * dead server.
   */
  public ClientSettings failFast() {
    return new ClientSettings(
        min(connectTimeout, Duration.ofSeconds(10)),
        min(requestTimeout, Duration.ofSeconds(30)),
        Math.min(retries, 1),
        firstRetryWait,
        gzipMinBytes,
        maxResponseBytes,
        retryTime);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  /**
   * Defaults overridden by the environment. Durations are seconds, or carry a unit suffix {@code
   * ms} / {@code s}, e.g. {@code 250ms}.
   */
  public static ClientSettings fromEnv(Map<String, String> env) {
    ClientSettings d = defaults();
    return new ClientSettings(
        duration(env, ENV_CONNECT_TIMEOUT, d.connectTimeout),
        duration(env, ENV_REQUEST_TIMEOUT, d.requestTimeout),
        (int) number(env, ENV_RETRIES, d.retries),
        duration(env, ENV_RETRY_WAIT, d.firstRetryWait),
        number(env, ENV_GZIP, d.gzipMinBytes),
        size(env, ENV_MAX_RESPONSE, d.maxResponseBytes),
        duration(env, ENV_RETRY_TIME, d.retryTime));
  }

  /** Bytes, or with a suffix {@code k}, {@code m}, {@code g} (powers of 1024), e.g. {@code 64m}. */
  private static long size(Map<String, String> env, String name, long dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    int shift = s.endsWith("k") ? 10 : s.endsWith("m") ? 20 : s.endsWith("g") ? 30 : 0;
    if (shift > 0) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s.trim());
      if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "environment variable " + name + "=" + v + " is not a size like 1073741824, 512m or 2g");
    }
  }

  private static long number(Map<String, String> env, String name, long dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "environment variable " + name + "=" + v + " is not a non-negative integer");
    }
  }

  private static Duration duration(Map<String, String> env, String name, Duration dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    String s = v.trim().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (s.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      } else if (s.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
      } else {
        d = Duration.ofSeconds(Long.parseLong(s));
      }
      if (d.isNegative()) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "environment variable " + name + "=" + v + " is not a duration like 30, 30s or 500ms");
    }
  }
}
