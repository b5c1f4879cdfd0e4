package io.garagehsm.metadata;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
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
  private Expiry() {}

  /**
   * The formatter for years outside 0..9999 only: built on first use, because its set-up (all of
   * java.time.format) is a noticeable part of a short command that never needs it.
   */
  private static final class Wide {
    static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");
  }

  /** Parses an instant, normalising the offset to UTC and cutting fractions. */
  public static Instant parse(String text, String what) {
    Instant plain = parseUtc(text);
    if (plain != null) {
      return plain;
    }
    try {
      return OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (DateTimeParseException e) {
      throw new MetadataException(
          what + ": \"" + text + "\" is not an ISO-8601 date-time",
          "write it like 2030-01-01T00:00:00Z");
    }
  }

  /**
   * The form every file holds, {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z} with a valid date and time,
   * read without {@link DateTimeFormatter} (whose set-up is a noticeable part of a short command);
   * null for anything else, which {@link OffsetDateTime#parse} then reads or refuses.
   */
  private static Instant parseUtc(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(n - 1) != 'Z' || n == 21 || n > 30) {
      return null;
    }
    for (int i = 0; i < n - 1; i++) {
      char c = s.charAt(i);
      char want =
          switch (i) {
            case 4, 7 -> '-';
            case 10 -> 'T';
            case 13, 16 -> ':';
            case 19 -> '.';
            default -> '0';
          };
      if (want == '0' ? c < '0' || c > '9' : c != want) {
        return null;
      }
    }
    try {
      return LocalDateTime.of(
              digits(s, 0, 4),
              digits(s, 5, 7),
              digits(s, 8, 10),
              digits(s, 11, 13),
              digits(s, 14, 16),
              digits(s, 17, 19))
          .toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null; // e.g. February 30th: the full parser words the error
    }
  }

  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }

  /** The canonical text form. */
  public static String format(Instant t) {
    LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
    if (d.getYear() < 0 || d.getYear() > 9999) {
      return Wide.OUT.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }
    // what Wide.OUT prints, without DateTimeFormatter's set-up
    char[] c = "0000-00-00T00:00:00Z".toCharArray();
    put(c, 0, 4, d.getYear());
    put(c, 5, 7, d.getMonthValue());
    put(c, 8, 10, d.getDayOfMonth());
    put(c, 11, 13, d.getHour());
    put(c, 14, 16, d.getMinute());
    put(c, 17, 19, d.getSecond());
    return new String(c);
  }

  private static void put(char[] c, int from, int to, int value) {
    for (int i = to - 1; i >= from; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
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
