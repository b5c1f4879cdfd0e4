package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** sign-json and verify-json against the recorded uptane-sign outputs. */
class JsonCommandsTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final Pattern ENTRY =
      Pattern.compile("\\$ uptane-sign verify-json -p (\\S+) -i (\\S+)\\n(.*)\\n\\[exit (\\d+)\\]");

  static void replay(String transcript) {
    Matcher m = ENTRY.matcher(Vectors.text(transcript));
    int n = 0;
    while (m.find()) {
      Cli.Result r =
          Cli.runRaw(
              NOW,
              "verify-json",
              "-p",
              Vectors.path(m.group(1)).toString(),
              "-i",
              Vectors.path(m.group(2)).toString());
      assertEquals(Integer.parseInt(m.group(4)), r.code(), m.group(0));
      assertEquals(m.group(3) + "\n", r.out(), m.group(0));
      assertEquals("", r.err());
      n++;
    }
    assertTrue(n >= 4, "entries replayed: " + n);
  }

  @Test
  void verifyJsonPrintsWhatUptaneSignPrinted() {
    replay("negative/verify-json-output.txt");
    replay("sign-json/verify-json-output.txt");
  }

  @Test
  void signJsonReproducesTheVectors() {
    for (String k : List.of("ed25519", "rsa2048", "rsa4096")) {
      Cli.Result r =
          Cli.runRaw(
                  NOW,
                  "sign-json",
                  "-k",
                  Vectors.path("keys/" + k + ".sec").toString(),
                  "-p",
                  Vectors.path("keys/" + k + ".pub").toString(),
                  "-i",
                  Vectors.path("sign-json/input.json").toString())
              .ok();
      JsonNode got = Cli.parse(r.out());
      JsonNode want = Cli.vectorJson("sign-json/signed-" + k + ".json");
      assertEquals(want.get("signed"), got.get("signed"));
      // the signed member keeps the input's key order
      List<String> order = new ArrayList<>();
      got.get("signed").fieldNames().forEachRemaining(order::add);
      assertEquals(
          List.of("zeta", "alpha", "empty", "count", "negative", "path", "Upper", "_type"), order);
      JsonNode sig = got.get("signatures").get(0);
      assertEquals(want.get("signatures").get(0).get("keyid"), sig.get("keyid"));
      assertEquals(want.get("signatures").get(0).get("method"), sig.get("method"));
      if (k.equals("ed25519")) {
        assertEquals(want, got);
      }
      // and our own verify-json accepts it
      java.nio.file.Path p = write(r.out());
      Cli.Result v =
          Cli.runRaw(
                  NOW,
                  "verify-json",
                  "-p",
                  Vectors.path("keys/" + k + ".pub").toString(),
                  "-i",
                  p.toString())
              .ok();
      assertEquals("Valid signatures: List(" + sig.get("sig").asText() + ")\n", v.out());
    }
  }

  static java.nio.file.Path write(String s) {
    try {
      java.nio.file.Path p = java.nio.file.Files.createTempFile("signed", ".json");
      java.nio.file.Files.writeString(p, s);
      p.toFile().deleteOnExit();
      return p;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
