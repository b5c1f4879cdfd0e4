package io.garagehsm.cli;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.ops.ExpiryChoice;
import java.time.Instant;
import picocli.CommandLine.Option;

/**
 * {@code --expires}, {@code --expire-after} and {@code --force} of {@code targets sign} and {@code
 * root sign} (compat spec §11).
 */
final class ExpiryOptions {
  @Option(
      names = "--expires",
      paramLabel = "<instant>",
      description =
          "Expiry date, ISO-8601 (e.g. 2030-01-01T00:00:00Z); offsets are normalised to UTC and"
              + " fractions cut. Default: keep the unsigned file's expiry.")
  String expires;

  @Option(
      names = "--expire-after",
      paramLabel = "<period>",
      description =
          "Expire this long after now: years, months, days without the leading P, e.g. 1Y, 6M,"
              + " 10D, 1Y2M3D (no hours).")
  String expireAfter;

  @Option(names = "--force", description = "Allow an expiry date in the past.")
  boolean force;

  /** Validates the flags alone (usage errors, exit 255) before anything is read or written. */
  void check() {
    choice();
  }

  /** The flags as the procedures take them. */
  ExpiryChoice choice() {
    ExpiryChoice.requireAtMostOne(expires != null, expireAfter != null);
    try {
      return new ExpiryChoice(
          expires == null ? null : Expiry.parse(expires, "--expires"),
          expireAfter == null ? null : Expiry.parsePeriod(expireAfter),
          force);
    } catch (MetadataException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e.hint());
    }
  }

  /**
   * The expiry to sign with: the flag's value or {@code current}; a date in the past is refused
   * (exit 1) unless {@code --force}.
   */
  Instant resolve(Instant current, Instant now) {
    return choice().resolve(current, now);
  }

  /**
   * For {@code --signatures}, where the flags are ignored with a warning: only whether they were
   * given counts, their values are not checked.
   */
  ExpiryChoice ignored() {
    return given() ? new ExpiryChoice(null, java.time.Period.ZERO, force) : ExpiryChoice.keep();
  }

  boolean given() {
    return expires != null || expireAfter != null;
  }
}
