package io.garagehsm.ops.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.Progress;
import java.time.Duration;
import java.time.Instant;

/**
 * The warning pull and push give for a role signed offline that expires soon: the server cannot
 * re-sign it, so it must be signed and pushed again before then.
 */
public final class ExpiryWarning {
  /** Roles that expire sooner than this get a warning. */
  public static final Duration WITHIN = Duration.ofDays(30);

  private ExpiryWarning() {}

  /** Warns on {@code progress} when {@code md} expires within {@link #WITHIN} or has expired. */
  public static void check(Progress progress, Instant now, String what, SignedMetadata md) {
    check(progress, now, what, md.signed().path("expires"));
  }

  /** The same for a role's {@code expires} node (a missing node when it has none). */
  public static void check(Progress progress, Instant now, String what, JsonNode expiresNode) {
    String text = expiresNode.asText(null);
    if (text == null) {
      return;
    }
    Instant expires;
    try {
      expires = Expiry.parse(text, what);
    } catch (MetadataException e) {
      progress.warn(what + " has an unreadable expiry \"" + text + "\"");
      return;
    }
    if (!expires.isAfter(now)) {
      progress.warn(
          what
              + " expired at "
              + Expiry.format(expires)
              + "; devices reject it: sign it again with --expires or --expire-after and push");
    } else if (expires.isBefore(now.plus(WITHIN))) {
      long days = Duration.between(now, expires).toDays();
      progress.warn(
          what
              + " expires at "
              + Expiry.format(expires)
              + " (in "
              + days
              + " days); the server cannot re-sign a role signed offline, so sign and push it"
              + " again before then (--expires / --expire-after)");
    }
  }
}
