package io.garagehsm.metadata;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * {@code expires} values: written as {@code YYYY-MM-DDTHH:MM:SSZ} (UTC, whole seconds); read from
 * any ISO-8601 offset date-time with or without fractions (compat spec §6.4, §11).
 */
public final class Expiry {
  private static final DateTimeFormatter OUT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");

  private Expiry() {}

  /** Parses an instant, normalising the offset to UTC and cutting fractions. */
  public static Instant parse(String text, String what) {
    try {
      return OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (DateTimeParseException e) {
      throw new MetadataException(
          what + ": \"" + text + "\" is not an ISO-8601 date-time",
          "write it like 2030-01-01T00:00:00Z");
    }
  }

  /** The canonical text form. */
  public static String format(Instant t) {
    return OUT.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
  }

  /** Parses {@code --expire-after}: a Java Period without the leading P, e.g. {@code 1Y2M3D}. */
  public static Period parsePeriod(String text) {
    try {
      String p = text.startsWith("P") || text.startsWith("p") ? text : "P" + text;
      return Period.parse(p);
    } catch (DateTimeParseException e) {
      throw new MetadataException(
          "--expire-after: \"" + text + "\" is not a period of years, months and days",
          "write it like 1Y, 6M, 10D or 1Y2M3D (hours are not accepted)");
    }
  }

  /** now (UTC) + period, as garage-sign computes it. */
  public static Instant after(Instant now, Period p) {
    return now.atOffset(ZoneOffset.UTC).plus(p).toInstant().truncatedTo(ChronoUnit.SECONDS);
  }
}
