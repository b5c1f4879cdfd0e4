package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code status}: exit codes 0/4/5 against a fixed clock, key locations, server agreement. */
class StatusCommandTest {
  @TempDir Path tmp;
  TestReposerver server;
  Path home;
  Path repo;
  Instant rootExpires;
  Instant targetsExpires;

  @BeforeEach
  void setUp() {
    server = TestReposerver.start();
    home = tmp.resolve("home");
    Path zip = server.writeCredentialsZip(tmp.resolve("credentials.zip"));
    new CliRun(home).run("init", "-r", "r", "-c", zip.toString());
    CliRun.Result pull = new CliRun(home).run("targets", "pull", "-r", "r");
    assertEquals(0, pull.exit(), pull::toString);
    CliRun.Result rp = new CliRun(home).run("root", "pull", "-r", "r");
    assertEquals(0, rp.exit(), rp::toString);
    repo = home.resolve("r");
    // targets signed offline (the file key from credentials.zip) and pushed: both roles local
    CliRun.Result sign =
        new CliRun(home)
            .run("targets", "sign", "-r", "r", "--key-name", "targets", "--expire-after", "3M");
    assertEquals(0, sign.exit(), sign::toString);
    CliRun.Result push = new CliRun(home).run("targets", "push", "-r", "r");
    assertEquals(0, push.exit(), push::toString);
    rootExpires = expires("roles/root.json");
    targetsExpires = expires("roles/targets.json");
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  Instant expires(String file) {
    return Expiry.parse(
        Cli.readJson(repo.resolve(file)).get("signed").get("expires").asText(), file);
  }

  Instant firstExpiry() {
    return rootExpires.isBefore(targetsExpires) ? rootExpires : targetsExpires;
  }

  CliRun.Result status(Instant now, String... extra) {
    String[] args = new String[3 + extra.length];
    args[0] = "status";
    args[1] = "-r";
    args[2] = "r";
    System.arraycopy(extra, 0, args, 3, extra.length);
    return new CliRun(home).clock(Clock.fixed(now, ZoneOffset.UTC)).run(args);
  }

  @Test
  void healthyWhenNothingExpiresWithinTheWindow() {
    Instant now = firstExpiry().minus(Duration.ofDays(100));
    CliRun.Result r = status(now, "--warn-days", "30");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("server: reachable"), r.out());
    assertTrue(r.out().contains("root: version 1, expires "), r.out());
    assertTrue(r.out().contains("  threshold 1 of 1 met"), r.out());
    assertTrue(r.out().contains("  server: agrees (version 1)"), r.out());
    assertTrue(r.out().contains(" targets: file, signed"), r.out());
    assertTrue(r.out().endsWith("status: healthy\n"), r.out());
  }

  @Test
  void exit4WhenARoleExpiresWithinTheWarningDays() {
    Instant now = firstExpiry().minus(Duration.ofDays(10));
    CliRun.Result r = status(now, "--warn-days", "30");
    assertEquals(4, r.exit(), r::toString);
    assertTrue(r.out().contains("problem: "), r.out());
    assertTrue(r.out().contains("expires in 10 days"), r.out());
    assertTrue(r.out().endsWith("status: expiring soon\n"), r.out());
    // a shorter window: healthy again
    assertEquals(0, status(now, "--warn-days", "5").exit());
  }

  @Test
  void exit5WhenExpiredOrAThresholdIsNotMet() throws Exception {
    CliRun.Result expired = status(firstExpiry().plus(Duration.ofDays(1)));
    assertEquals(5, expired.exit(), expired::toString);
    assertTrue(expired.out().contains("expired at "), expired.out());

    // a broken targets signature: the threshold is no longer met
    Path t = repo.resolve("roles/targets.json");
    ObjectNode env = (ObjectNode) Cli.readJson(t);
    ObjectNode signed = (ObjectNode) env.get("signed");
    signed.put("version", signed.get("version").asInt() + 7);
    Files.writeString(t, env.toString());
    CliRun.Result broken = status(firstExpiry().minus(Duration.ofDays(100)), "--json");
    assertEquals(5, broken.exit(), broken::toString);
    JsonNode j = Cli.parse(broken.out());
    JsonNode targets = j.get("roles").get(1);
    assertEquals("targets", targets.get("role").asText());
    assertEquals(false, targets.get("threshold_met").asBoolean());
    assertEquals(0, targets.get("valid_signatures").asInt());
    assertEquals("differs", targets.get("server").get("state").asText());
    assertEquals("unhealthy", j.get("health").asText());
    assertEquals("healthy", j.get("roles").get(0).get("health").asText());
  }

  @Test
  void anUnreachableServerIsNotedAndTheLocalVerdictStands() {
    server.close();
    Instant now = firstExpiry().minus(Duration.ofDays(100));
    CliRun.Result r = status(now, "--json");
    assertEquals(0, r.exit(), r::toString);
    JsonNode j = Cli.parse(r.out());
    assertTrue(j.get("server").asText().startsWith("unreachable: "), r.out());
    assertEquals("unreachable", j.get("roles").get(0).get("server").get("state").asText());
    assertEquals(
        Expiry.format(rootExpires), j.get("roles").get(0).get("expires").asText(), r.out());
    assertEquals(
        Duration.between(now, rootExpires).getSeconds(),
        j.get("roles").get(0).get("seconds_left").asLong());
    CliRun.Result off = status(now, "--offline");
    assertEquals(0, off.exit(), off::toString);
    assertTrue(off.out().contains("server: not checked"), off.out());
  }
}
