package io.garagehsm.cli;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
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
    if (expires != null && expireAfter != null) {
      throw new CliException(
          ExitCodes.USAGE,
          "--expires and --expire-after cannot be used together",
          "give one of them");
    }
    parsedExpires();
    if (expireAfter != null) {
      period();
    }
  }

  private Instant parsedExpires() {
    if (expires == null) {
      return null;
    }
    try {
      return Expiry.parse(expires, "--expires");
    } catch (MetadataException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e.hint());
    }
  }

  private java.time.Period period() {
    try {
      return Expiry.parsePeriod(expireAfter);
    } catch (MetadataException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e.hint());
    }
  }

  /**
   * The expiry to sign with: the flag's value or {@code current}; a date in the past is refused
   * (exit 1) unless {@code --force}.
   */
  Instant resolve(Instant current, Instant now) {
    check();
    Instant e;
    if (expires != null) {
      e = parsedExpires();
    } else if (expireAfter != null) {
      e = Expiry.after(now, period());
    } else {
      e = current;
    }
    if (e.isBefore(now) && !force) {
      throw new CliException(
          ExitCodes.EXPLAINED,
          "The metadata expiration date lies in the past, use --force",
          "the expiry would be "
              + Expiry.format(e)
              + (expires == null && expireAfter == null ? " (kept from the unsigned file)" : "")
              + "; set a new one with --expires <date> or --expire-after <period> (e.g. 1Y),"
              + " or pass --force to sign it expired");
    }
    return e;
  }

  boolean given() {
    return expires != null || expireAfter != null;
  }
}
