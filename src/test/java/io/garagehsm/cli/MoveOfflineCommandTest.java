package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** move-offline: the full procedure, resume after a failure at every step, variants. */
class MoveOfflineCommandTest {
  @TempDir Path tmp;

  private record Setup(TestReposerver server, Repository repo, CliRun cli, String oldId) {}

  private Setup setup(String dir, boolean director, KeyType rootType) {
    Path home = tmp.resolve(dir);
    TestReposerver server = TestReposerver.start();
    Repository repo = TestRepos.create(home, "offline", server, null, director);
    KeyDirectory keys = repo.keys();
    keys.writeKeyPair(
        "newroot", TufKeyPair.generate(rootType, rootType == KeyType.RSA ? 2048 : 256));
    keys.writeKeyPair("newtargets", TufKeyPair.generate(KeyType.ED25519, 256));
    return new Setup(server, repo, new CliRun(home), server.rootKey.publicKey().keyId());
  }

  private static String[] fullArgs() {
    return new String[] {
      "move-offline",
      "-r",
      "offline",
      "--new-root",
      "newroot",
      "--new-targets",
      "newtargets",
      "--old-root-alias",
      "origroot"
    };
  }

  /**
   * At every moment the old root private key is on the server or in keys/, until the rotation is
   * complete: the server serves a root without it and roles/root.json is that root (only then is
   * keys/origroot.sec removed).
   */
  private static void assertOldKeyNotLost(Setup s) {
    KeyDirectory keys = s.repo().keys();
    boolean local =
        keys.hasPrivateFile("origroot")
            && keys.keyPair("origroot").publicKey().keyId().equals(s.oldId());
    assertTrue(
        local || s.server().holdsPrivateKey(s.oldId()) || rotationSavedLocally(s),
        "old root key lost");
  }

  private static boolean rotationSavedLocally(Setup s) {
    SignedMetadata served = s.server().root();
    return !RootRole.of(served, "server root").role("root").keyIds().contains(s.oldId())
        && s.repo()
            .signedRole("root")
            .map(l -> l.checksum().equals(served.checksum()))
            .orElse(false);
  }

  private static void assertRotated(Setup s) {
    KeyDirectory keys = s.repo().keys();
    SignedMetadata root = s.server().root();
    RootRole rr = RootRole.of(root, "server root");
    assertEquals(2, rr.version());
    assertEquals(List.of(keys.publicKey("newroot").keyId()), rr.role("root").keyIds());
    assertEquals(List.of(keys.publicKey("newtargets").keyId()), rr.role("targets").keyIds());
    // snapshot and timestamp (online) keys were kept
    assertEquals(List.of(s.server().snapshotKey.publicKey().keyId()), rr.role("snapshot").keyIds());
    assertEquals(
        List.of(s.server().timestampKey.publicKey().keyId()), rr.role("timestamp").keyIds());
    assertTrue(rr.keys().containsKey(s.server().snapshotKey.publicKey().keyId()));
    assertTrue(rr.keys().containsKey(s.server().timestampKey.publicKey().keyId()));
    // signed by the new and the old root key
    assertEquals(
        Set.of(keys.publicKey("newroot").keyId(), s.oldId()),
        Set.copyOf(root.signatures().stream().map(x -> x.keyId()).toList()));
    assertFalse(s.server().holdsPrivateKey(s.oldId()));
    // the old online root key is removed once the rotation is complete; its .pub stays
    assertFalse(Files.exists(keys.privateFile("origroot")), "keys/origroot.sec left behind");
    assertEquals(s.oldId(), keys.publicKey("origroot").keyId());
    assertEquals(root.checksum(), s.repo().signedRole("root").orElseThrow().checksum());
    assertFalse(Files.exists(s.repo().rolesDir().resolve("root.json.pending")));
  }

  @Test
  void fullProcedureSavesTheKeyBeforeDeletingAndPushesBeforeDeleting() {
    Setup s = setup("full", false, KeyType.RSA);
    try (TestReposerver server = s.server()) {
      AtomicBoolean keySavedAtDelete = new AtomicBoolean();
      server.onRequest(
          r -> {
            if (r.method().equals("DELETE")) {
              keySavedAtDelete.set(s.repo().keys().hasPrivateFile("origroot"));
            }
          });
      int before = server.requestCount();
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      String id = s.oldId();
      // our order: the DELETE comes only after a successful POST (garage-sign deletes first)
      assertEquals(
          List.of(
              "GET root.json",
              "GET targets.json",
              "GET root/private_keys/" + id,
              "POST root",
              "GET root.json",
              "DELETE root/private_keys/" + id),
          server.lines(before));
      assertTrue(keySavedAtDelete.get());
      assertTrue(
          r.err()
              .contains(
                  "Could not read old private key locally, fetching before deleting from server"));
      assertTrue(r.err().contains("Saved keys to"));
      assertTrue(r.err().contains("root keys moved offline, root.json saved to"), r.err());
      assertRotated(s);
      RootRole rr = RootRole.of(server.root(), "root");
      assertEquals(
          List.of(s.repo().keys().publicKey("newtargets").keyId()), rr.role("targets").keyIds());
      assertFalse(rr.keys().containsKey(server.targetsKey.publicKey().keyId()));
      Instant exp = rr.expires();
      Instant want = Instant.now().plus(Duration.ofDays(365));
      assertTrue(Math.abs(Duration.between(exp, want).getSeconds()) < 120, Expiry.format(exp));
      assertEquals(2, s.repo().unsignedRole("root").orElseThrow().get("version").intValue());

      // the documented next step: sign targets with the new key and push (checksum kept)
      TargetsAndRootCommandsTest.signTargets(
          s.repo(), 2, s.repo().keys().keyPair("newtargets"), "app-1.0.0");
      assertEquals(0, s.cli().run("targets", "push", "-r", "offline").exit());

      // running it again is harmless
      before = server.requestCount();
      r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("already offline"), r.err());
      assertEquals(List.of("GET root.json"), server.lines(before));
    }
  }

  /** Issue 10: one summary line on stderr, and with --json the result as JSON on stdout. */
  @Test
  void jsonResultSaysWhatTheRotationDid() throws Exception {
    Setup s = setup("json", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      List<String> args = new ArrayList<>(List.of(fullArgs()));
      args.add("--json");
      CliRun.Result r = s.cli().run(args.toArray(String[]::new));
      assertEquals(0, r.exit(), r.toString());
      KeyDirectory keys = s.repo().keys();
      String newRoot = keys.publicKey("newroot").keyId();
      String newTargets = keys.publicKey("newtargets").keyId();
      com.fasterxml.jackson.databind.JsonNode j = Cli.JSON.readTree(r.out());
      assertEquals("move-offline", j.get("command").asText());
      assertEquals("rotated", j.get("outcome").asText());
      assertFalse(j.get("resumed").asBoolean());
      assertEquals(2, j.at("/root/version").asInt());
      assertEquals(
          Expiry.format(RootRole.of(server.root(), "root").expires()),
          j.at("/root/expires").asText());
      assertEquals(newRoot, j.at("/root/rootKeyIds/0").asText());
      assertEquals(newTargets, j.at("/root/targetsKeyIds/0").asText());
      assertEquals(s.oldId(), j.at("/oldRootKey/keyid").asText());
      assertTrue(j.at("/oldRootKey/fetchedFromServer").asBoolean());
      // the test server, like the real keyserver, drops the key when it accepts root v2
      assertEquals("gone", j.at("/oldRootKey/serverCopy").asText());
      assertEquals(
          keys.privateFile("origroot").toString(), j.at("/oldRootKey/localCopyRemoved").asText());
      assertTrue(
          j.get("filesWritten").toString().contains(s.repo().signedFile("root").toString()),
          r.out());
      List<String> lines = r.err().lines().toList();
      String last = lines.get(lines.size() - 1);
      assertTrue(last.startsWith("moved root keys offline: root.json v2 live on "), last);
      assertTrue(last.contains("root key " + newRoot.substring(0, 8) + "…"), last);
      assertTrue(last.contains("targets key " + newTargets.substring(0, 8) + "…"), last);
      assertTrue(last.contains("already gone from the server, its local copy removed"), last);

      // without --json nothing is added to stdout
      r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertEquals("", r.out());
      assertTrue(
          r.err().strip().endsWith("already lists only root key " + newRoot.substring(0, 8) + "…"),
          r.err());
    }
  }

  /**
   * Issue 13: the keyserver deletes the old root key itself when it accepts a root that no longer
   * lists it, so the DELETE sent after the POST answers 502 {@code missing_entity} wrapping 404
   * (compat spec Appendix C). Today's main stopped there with exit 3, forever; the rotation must
   * complete and say so in one line.
   */
  @Test
  void rotationCompletesWhenTheKeyserverAlreadyDeletedTheOldKey() {
    Setup s = setup("gone", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      AtomicBoolean heldAtDelete = new AtomicBoolean(true);
      server.onRequest(
          r -> {
            if (r.method().equals("DELETE")) {
              heldAtDelete.set(server.holdsPrivateKey(s.oldId()));
            }
          });
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertFalse(heldAtDelete.get(), "the server dropped the key when it accepted root v2");
      assertEquals(
          1,
          r.err()
              .lines()
              .filter(l -> l.contains("had already deleted its copy of root key " + s.oldId()))
              .count(),
          r.err());
      assertFalse(r.err().contains("error:"), r.err());
      assertRotated(s);
    }
  }

  /**
   * The same on resume: a first run whose DELETE failed otherwise (403, 500: not "not found") keeps
   * the resumable state; the re-run's DELETE meets the keyserver's 502 missing_entity (or a plain
   * 404) and finishes.
   */
  @Test
  void aResumedRunFinishesWhenTheKeyIsAlreadyGone() {
    int n = 0;
    for (int firstFailure : new int[] {403, 500}) {
      for (Fault rerunAnswer : new Fault[] {null, Fault.status(404)}) {
        String label = firstFailure + "/" + (rerunAnswer == null ? "502" : "404");
        Setup s = setup("resume-gone-" + n++, false, KeyType.ED25519);
        try (TestReposerver server = s.server()) {
          CliRun cli = s.cli().env("GARAGE_HSM_RETRIES", "0");
          server.inject(
              TestReposerver.on("DELETE", "root/private_keys/"), Fault.status(firstFailure), 1);
          CliRun.Result first = cli.run(fullArgs());
          assertEquals(3, first.exit(), label + first);
          assertTrue(
              first.err().contains("run the same move-offline command again"), label + first);
          assertTrue(Files.exists(s.repo().rolesDir().resolve("root.json.pending")), label);
          assertTrue(s.repo().keys().hasPrivateFile("origroot"), label + ": unfinished: kept");
          assertOldKeyNotLost(s);
          server.clearFaults();
          if (rerunAnswer != null) {
            server.inject(TestReposerver.on("DELETE", "root/private_keys/"), rerunAnswer, 1);
          }
          int before = server.requestCount();
          CliRun.Result second = cli.run(fullArgs());
          assertEquals(0, second.exit(), label + second);
          assertEquals(
              List.of("GET root.json", "DELETE root/private_keys/" + s.oldId()),
              server.lines(before),
              label);
          assertTrue(second.err().contains("had already deleted its copy"), label + second);
          assertRotated(s);
        }
      }
    }
  }

  /**
   * Issue 14 item 1: a POST root answered with a redirect or a success code the server did not act
   * on must not lead to the DELETE of the server's root key. Today's main exited 0 and sent the
   * DELETE after a 302. The fresh GET root.json shows v1: exit 3, nothing deleted, resumable.
   */
  @Test
  void aPostRootThatTheServerDidNotAcceptDeletesNothing() {
    int n = 0;
    for (int status : new int[] {302, 303, 200}) {
      String label = "POST root answered " + status;
      Setup s = setup("post-" + n++, false, KeyType.ED25519);
      try (TestReposerver server = s.server()) {
        CliRun cli = s.cli().env("GARAGE_HSM_RETRIES", "0");
        server.inject(TestReposerver.on("POST", "root"), Fault.status(status), 1);
        int before = server.requestCount();
        CliRun.Result r = cli.run(fullArgs());
        assertEquals(3, r.exit(), label + r);
        assertTrue(
            server.lines(before).stream().noneMatch(l -> l.startsWith("DELETE")),
            label + ": " + server.lines(before));
        assertEquals(1, server.rootVersion(), label);
        assertTrue(server.holdsPrivateKey(s.oldId()), label + ": the server's key is gone");
        assertTrue(s.repo().keys().hasPrivateFile("origroot"), label);
        // either the HTTP layer refuses the status, or the check GET finds root v1
        assertTrue(
            r.err().contains("GET root.json serves root v1")
                || r.err().contains("POST root got HTTP " + status),
            label + r);
        assertTrue(r.err().contains("hint: "), label + r);
        assertTrue(Files.exists(s.repo().rolesDir().resolve("root.json.pending")), label);
        server.clearFaults();
        CliRun.Result again = cli.run(fullArgs());
        assertEquals(0, again.exit(), label + again);
        assertRotated(s);
      }
    }
  }

  /**
   * Issue 14 item 10: after a completed rotation keys/origroot.sec (which can still sign a root v2
   * for vehicles on v1) is overwritten and removed; --keep-old-root-key keeps it; while the
   * rotation is unfinished it stays.
   */
  @Test
  void theOldRootKeyFileIsOverwrittenAndRemovedOnlyWhenTheRotationIsComplete() throws Exception {
    Setup s = setup("shred", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      KeyDirectory keys = s.repo().keys();
      keys.writeKeyPair("origroot", server.rootKey);
      Path sec = keys.privateFile("origroot");
      // a second name for the same inode shows what happened to the bytes, not just the name
      Path link = tmp.resolve("shred-link");
      Files.createLink(link, sec);
      byte[] before = Files.readAllBytes(link);
      assertTrue(before.length > 0);
      CliRun cli = s.cli().env("GARAGE_HSM_RETRIES", "0");
      server.inject(TestReposerver.on("DELETE", "root/private_keys/"), Fault.status(500), 1);
      CliRun.Result first = cli.run(fullArgs());
      assertEquals(3, first.exit(), first.toString());
      assertArrayEquals(before, Files.readAllBytes(sec), "unfinished: the old key stays");
      server.clearFaults();
      CliRun.Result r = cli.run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("removed " + sec), r.err());
      assertFalse(Files.exists(sec));
      byte[] after = Files.readAllBytes(link);
      assertEquals(before.length, after.length);
      for (byte b : after) {
        assertEquals(0, b, "the key file was not overwritten before the unlink");
      }
      assertRotated(s);
    }

    s = setup("keep", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      List<String> args = new ArrayList<>(List.of(fullArgs()));
      args.add("--keep-old-root-key");
      CliRun.Result r = s.cli().run(args.toArray(String[]::new));
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("--keep-old-root-key"), r.err());
      assertEquals(s.oldId(), s.repo().keys().keyPair("origroot").publicKey().keyId());
      assertFalse(server.holdsPrivateKey(s.oldId()));
      assertEquals(2, server.rootVersion());
    }
  }

  @Test
  void withoutNewRootSavesTheKeyButKeepsTheServerCopy() {
    Setup s = setup("nonew", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      assertEquals(0, s.cli().run("targets", "pull", "-r", "offline").exit());
      int before = server.requestCount();
      CliRun.Result r =
          s.cli().run("move-offline", "-r", "offline", "--old-root-alias", "origroot");
      assertEquals(0, r.exit(), r.toString());
      assertEquals(
          List.of("GET root.json", "GET root/private_keys/" + s.oldId()), server.lines(before));
      assertTrue(
          r.err()
              .contains("root keys moved offline, but you'll have to manually sign and push key!"));
      assertTrue(r.err().contains("was NOT deleted"), r.err());
      assertTrue(server.holdsPrivateKey(s.oldId()));
      assertEquals(s.oldId(), s.repo().keys().keyPair("origroot").publicKey().keyId());
    }
  }

  @Test
  void afterRotationTargetsPullIsLockedOutButChecksumOnlyHelps() throws Exception {
    Setup s = setup("lockout", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      assertEquals(0, s.cli().run(fullArgs()).exit());
      Files.delete(s.repo().targetsChecksumFile());
      CliRun.Result r = s.cli().run("targets", "pull", "-r", "offline");
      assertEquals(1, r.exit(), r.toString());
      assertTrue(r.err().contains("not found in authoritative role"), r.err());
      assertTrue(r.err().contains("--checksum-only"), r.err());
      r = s.cli().run("targets", "pull", "-r", "offline", "--checksum-only");
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("NOT verified"), r.err());
      assertEquals(server.targetsChecksum(), Files.readString(s.repo().targetsChecksumFile()));
      TargetsAndRootCommandsTest.signTargets(
          s.repo(), 2, s.repo().keys().keyPair("newtargets"), "app-1.0.0");
      r = s.cli().run("targets", "push", "-r", "offline");
      assertEquals(0, r.exit(), r.toString());
    }
  }

  /**
   * A failure at each request of the sequence, as an error answer, a dropped connection, or a lost
   * answer after the server acted (the equivalent of a kill at that point): the old key is never
   * lost, and running the same command again completes the rotation.
   */
  @Test
  void failureAtEveryStepIsResumable() {
    List<Fault> faults = List.of(Fault.status(500), Fault.drop(), Fault.dropAfterHandling());
    int steps = 6; // GET root.json, GET targets.json, GET key, POST root, GET root.json, DELETE
    List<String> outcomes = new ArrayList<>();
    for (int step = 1; step <= steps; step++) {
      for (int f = 0; f < faults.size(); f++) {
        Setup s = setup("fault-" + step + "-" + f, false, KeyType.ED25519);
        try (TestReposerver server = s.server()) {
          CliRun cli = s.cli().env("GARAGE_HSM_RETRIES", "0");
          server.injectAt(server.requestCount() + step, faults.get(f));
          CliRun.Result first = cli.run(fullArgs());
          assertOldKeyNotLost(s);
          if (first.exit() != 0) {
            assertTrue(first.err().contains("hint: "), first.toString());
          }
          server.clearFaults();
          CliRun.Result second = cli.run(fullArgs());
          assertEquals(0, second.exit(), "step " + step + " fault " + f + ": " + first + second);
          assertOldKeyNotLost(s);
          assertRotated(s);
          outcomes.add(step + "/" + f + ":" + first.exit());
        }
      }
    }
    assertEquals(steps * faults.size(), outcomes.size());
  }

  /**
   * The server dies at each request of the sequence, before acting on it or after acting but before
   * answering, and refuses connections until it is restarted on the same port and state: the old
   * key is never lost, and once the server is back the same command completes.
   */
  @Test
  void serverKilledAtEveryStepThenRestartedIsResumable() {
    List<Fault> faults = List.of(Fault.crash(), Fault.crashAfterHandling());
    int steps = 6; // GET root.json, GET targets.json, GET key, POST root, GET root.json, DELETE
    for (int step = 1; step <= steps; step++) {
      for (Fault fault : faults) {
        String label = "step " + step + " " + fault.kind();
        Setup s = setup("crash-" + step + "-" + fault.kind(), false, KeyType.ED25519);
        try (TestReposerver server = s.server()) {
          SignedMetadata v1 = server.root();
          CliRun cli = s.cli().env("GARAGE_HSM_RETRIES", "1");
          List<String> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
          server.onRequest(
              r -> {
                try {
                  assertOldKeyNotLost(s);
                } catch (AssertionError e) {
                  lost.add(r.line());
                }
              });
          int base = server.requestCount();
          server.injectAt(base + step, fault);
          CliRun.Result first = cli.run(fullArgs());
          assertEquals(base + step, server.requestCount(), label + ": the server was down");
          assertTrue(first.exit() != 0, label + ": " + first);
          assertTrue(first.err().contains("hint: "), label + ": " + first);
          assertOldKeyNotLost(s);
          server.clearFaults();
          server.restart();
          CliRun.Result second = cli.run(fullArgs());
          assertEquals(0, second.exit(), label + ": " + first + second);
          assertOldKeyNotLost(s);
          assertRotated(s);
          assertEquals(List.of(), lost, label + ": old key lost at these requests");
          AktualizrVerifier.Result v =
              AktualizrVerifier.verifyRootUpdate(server.root().toJson(), v1.signed());
          assertTrue(v.ok(), label + ": " + v.reason());
        }
      }
    }
  }

  /**
   * States a kill can leave between two local writes, which no request marks (so the jar kill test
   * cannot stop there on purpose): keys/origroot.sec written but not yet .pub, and roles/root.json
   * written but the pending file not yet removed.
   */
  @Test
  void killedBetweenLocalWritesIsResumable() throws Exception {
    Setup s = setup("sec-only", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      assertEquals(0, s.cli().run("targets", "pull", "-r", "offline").exit());
      // killed after keys/origroot.sec, before keys/origroot.pub (KeyDirectory.writeKeyPair)
      Files.writeString(
          s.repo().keys().privateFile("origroot"),
          io.garagehsm.metadata.MetadataJson.prettyString(server.rootKey.privateJson()));
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertRotated(s);
      assertEquals(
          server.rootKey.publicKey().keyId(),
          s.repo().keys().publicKey("origroot").keyId(),
          "the .pub is restored");
    }

    s = setup("root-written", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      assertEquals(0, s.cli().run(fullArgs()).exit());
      // killed after roles/root.json, before the pending file was removed
      Files.copy(
          s.repo().signedFile("root"),
          s.repo().rolesDir().resolve(io.garagehsm.ops.rotation.MoveOffline.PENDING));
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertRotated(s);
    }

    s = setup("sec-other", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      // a .sec without .pub that is NOT the old root key: refused, nothing changed
      Files.writeString(
          s.repo().keys().privateFile("origroot"),
          io.garagehsm.metadata.MetadataJson.prettyString(
              TufKeyPair.generate(KeyType.ED25519, 256).privateJson()));
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(3, r.exit(), r.toString());
      assertTrue(r.err().contains("origroot.sec exists without its .pub"), r.err());
      assertEquals(1, server.rootVersion());
      assertTrue(server.holdsPrivateKey(s.oldId()));
      assertFalse(Files.exists(s.repo().keys().publicFile("origroot")));
    }
  }

  @Test
  void aLostPostAnswerIsFinishedOnRerunWithoutPushingTwice() {
    Setup s = setup("lostpost", false, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      server.inject(TestReposerver.on("POST", "root"), Fault.dropAfterHandling(), 1);
      CliRun.Result r = s.cli().run(fullArgs());
      assertEquals(3, r.exit(), r.toString());
      assertTrue(r.err().contains("the same move-offline command again"), r.err());
      assertTrue(Files.exists(s.repo().rolesDir().resolve("root.json.pending")));
      int before = server.requestCount();
      r = s.cli().run(fullArgs());
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("already on the server; finishing"), r.err());
      assertEquals(
          List.of("GET root.json", "DELETE root/private_keys/" + s.oldId()), server.lines(before));
      assertRotated(s);
    }
  }

  @Test
  void directorMovesOnlyTheRootKey() {
    Setup s = setup("director", true, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      CliRun.Result r =
          s.cli()
              .run(
                  "move-offline",
                  "-r",
                  "offline",
                  "--new-root",
                  "newroot",
                  "--new-targets",
                  "newtargets",
                  "--old-root-alias",
                  "origroot");
      assertEquals(255, r.exit(), r.toString());
      int before = server.requestCount();
      r =
          s.cli()
              .run(
                  "move-offline",
                  "-r",
                  "offline",
                  "--new-root",
                  "newroot",
                  "--old-root-alias",
                  "origroot");
      assertEquals(0, r.exit(), r.toString());
      String targetsId = server.targetsKey.publicKey().keyId();
      assertEquals(
          List.of(
              "GET root.json",
              "GET private_keys/" + s.oldId(),
              "GET private_keys/" + targetsId,
              "POST root",
              "GET root.json",
              "DELETE private_keys/" + s.oldId()),
          server.lines(before));
      assertTrue(
          server.requests().stream()
              .filter(x -> x.number() > before)
              .allMatch(x -> x.path().startsWith(TestReposerver.DIRECTOR)));
      RootRole rr = RootRole.of(server.root(), "root");
      assertEquals(List.of(targetsId), rr.role("targets").keyIds());
      assertEquals(List.of(s.repo().keys().publicKey("newroot").keyId()), rr.role("root").keyIds());
    }
  }

  @Test
  void directorRefusesTargetsCommands() {
    Setup s = setup("director2", true, KeyType.ED25519);
    try (TestReposerver server = s.server()) {
      CliRun.Result r = s.cli().run("targets", "pull", "-r", "offline");
      assertEquals(1, r.exit(), r.toString());
      assertTrue(r.err().contains("does not support this command"), r.err());
      r = s.cli().run("delegations", "pull", "-r", "offline", "-n", "d1");
      assertEquals(3, r.exit(), r.toString());
      assertTrue(r.err().contains("does not support delegations"), r.err());
    }
  }
}
