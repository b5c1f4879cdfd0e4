package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Expiry reads and writes without DateTimeFormatter where it can: the same results as with it. */
class ExpiryTest {
  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'");

  private static Instant referenceParse(String s) {
    return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.SECONDS);
  }

  @Test
  void formatAndParseAgreeWithJavaTimeOverFourMillennia() {
    Random r = new Random(9);
    for (int i = 0; i < 20_000; i++) {
      // year 1 to 9999, any second, any nanosecond
      long sec = -62_135_596_800L + (long) (r.nextDouble() * 315_537_897_599L);
      Instant t = Instant.ofEpochSecond(sec, r.nextInt(1_000_000_000));
      String want = REFERENCE.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
      assertEquals(want, Expiry.format(t), t.toString());
      assertEquals(referenceParse(want), Expiry.parse(want, "expires"), want);
      String frac = want.substring(0, 19) + "." + (100_000 + r.nextInt(900_000)) + "Z";
      assertEquals(referenceParse(frac), Expiry.parse(frac, "expires"), frac);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00.5Z",
        "2030-01-01T00:00:00.123456789Z",
        "0000-01-01T00:00:00Z",
        "2024-02-29T23:59:59Z",
        "2030-01-01T00:00:00+02:00",
        "2030-01-01T00:00:00-05:30",
        "2030-01-01t00:00:00z",
        "2030-01-01T00:00Z",
        "+12030-01-01T00:00:00Z",
        "2030-01-01T00:00:00.Z"
      })
  void otherIsoFormsStillParseAsJavaTimeReadsThem(String s) {
    assertEquals(referenceParse(s), Expiry.parse(s, "expires"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2023-02-29T00:00:00Z",
        "2030-13-01T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T00:60:00Z",
        "2030-01-01T00:00:60Z",
        "2030-01-01T00:00:00.1234567890Z",
        "2030-01-01T00:00:00",
        "2030-01-01 00:00:00Z",
        "2030-1-01T00:00:00Z",
        "２030-01-01T00:00:00Z",
        ""
      })
  void invalidDatesAreRefusedWithTheFix(String s) {
    MetadataException e = assertThrows(MetadataException.class, () -> Expiry.parse(s, "expires"));
    assertEquals("expires: \"" + s + "\" is not an ISO-8601 date-time", e.getMessage());
    assertEquals("write it like 2030-01-01T00:00:00Z", e.hint());
  }

  @Test
  void yearsBeyondFourDigitsAreWrittenAsJavaTimeWritesThem() {
    Instant far = Instant.parse("+12030-01-01T00:00:00Z");
    assertEquals("+12030-01-01T00:00:00Z", Expiry.format(far));
    assertEquals(REFERENCE.format(far.atOffset(ZoneOffset.UTC)), Expiry.format(far));
  }
}
