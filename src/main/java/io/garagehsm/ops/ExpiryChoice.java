package io.garagehsm.ops;

import io.garagehsm.metadata.Expiry;
import java.time.Instant;
import java.time.Period;

/**
 * What the user chose for a role's new expiry (compat spec §11): a date, a period after now, or
 * nothing (keep the unsigned file's); a date in the past only with {@code force}.
 *
 * @param expires the new expiry, or null
 * @param after the new expiry as a period after now, or null (not both)
 * @param force allow an expiry in the past
 */
public record ExpiryChoice(Instant expires, Period after, boolean force) {

  /** Keep the unsigned file's expiry. */
  public static ExpiryChoice keep() {
    return new ExpiryChoice(null, null, false);
  }

  public ExpiryChoice {
    requireAtMostOne(expires != null, after != null);
  }

  /** A date and a period exclude each other (a usage error). */
  public static void requireAtMostOne(boolean expiresGiven, boolean afterGiven) {
    if (expiresGiven && afterGiven) {
      throw new OperationException(
          OperationException.Kind.BAD_ARGUMENT,
          "--expires and --expire-after cannot be used together",
          "give one of them");
    }
  }

  /** True when a new expiry was given. */
  public boolean given() {
    return expires != null || after != null;
  }

  /**
   * The expiry to sign with: the chosen one or {@code current}; a date in the past is refused (exit
   * 1) unless {@link #force}.
   */
  public Instant resolve(Instant current, Instant now) {
    Instant e = expires != null ? expires : after != null ? Expiry.after(now, after) : current;
    if (e.isBefore(now) && !force) {
      throw new OperationException(
          OperationException.Kind.EXPLAINED,
          "The metadata expiration date lies in the past, use --force",
          "the expiry would be "
              + Expiry.format(e)
              + (given() ? "" : " (kept from the unsigned file)")
              + "; set a new one with --expires <date> or --expire-after <period> (e.g. 1Y),"
              + " or pass --force to sign it expired");
    }
    return e;
  }
}
