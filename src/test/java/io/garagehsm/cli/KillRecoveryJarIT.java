package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.server.testserver.TestReposerver.Fault;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kills: {@code java -jar garage-hsm-*-cli.jar move-offline} (and {@code targets push}) as a
 * subprocess, SIGKILLed ({@link Process#destroyForcibly()}) when a request of the sequence reaches
 * the in-process {@link TestReposerver} — either before the server acts on it, or after the server
 * acted while its answer is held back. The server drops the old root key when it accepts root v2,
 * as the real keyserver does. After each kill the old root private key must be held by the server
 * or saved and valid in {@code keys/origroot.sec} — never neither, until the rotation is complete
 * and saved locally (only then is {@code origroot.sec} removed) — and running the same command
 * again must complete the rotation (compat spec §10.3, §13 item 3, Appendix C). Runs in the {@code
 * integration-test} phase, after packaging.
 */
class KillRecoveryJarIT {
  /** The move-offline sequence of a fresh repository (no unsigned targets yet). */
  private static final List<String> SEQUENCE =
      List.of(
          "GET root.json",
          "GET targets.json",
          "GET root/private_keys/",
          "POST root",
          "GET root.json",
          "DELETE");

  private static Path jar;

  @TempDir Path tmp;

  @BeforeAll
  static void findJar() {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    jar = Path.of(jarProp);
    assertTrue(Files.isRegularFile(jar), jar + " missing: run 'package' first");
  }

  /** When, relative to the server's handling of the chosen request, the client dies. */
  enum When {
    /** The request arrived; the server never acts on it. */
    BEFORE_HANDLING,
    /** The server acted; the client dies before it reads the answer. */
    AFTER_HANDLING
  }

  private record Proc(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err;
    }
  }

  private record Scenario(
      String name,
      TestReposerver server,
      Path home,
      Repository repo,
      SignedMetadata v1,
      String oldId,
      TufKey oldPub,
      List<String> pinArgs) {}

  // ---- move-offline, client killed ----

  @Test
  void moveOfflineKilledAtEveryRequestWithFileKeysCompletesOnRerun() throws Exception {
    for (int step = 1; step <= SEQUENCE.size(); step++) {
      for (When when : When.values()) {
        Scenario s = scenario("file-" + step + "-" + when, null);
        try (TestReposerver server = s.server()) {
          killAtStepThenRerun(s, step, when);
        }
      }
    }
  }

  @Test
  void moveOfflineKilledWithTheNewRootKeyOnAToken() throws Exception {
    TestToken token = TestTokens.create("kill-newroot");
    Path template = null;
    // the signing-related points: the key fetch, the push, the check, the delete
    int[] steps = {3, 4, 5, 6};
    for (int step : steps) {
      for (When when : When.values()) {
        Scenario s = scenario("token-" + step + "-" + when, token);
        try (TestReposerver server = s.server()) {
          if (template == null) {
            Proc gen =
                run(
                    s,
                    "key",
                    "generate",
                    "-r",
                    "offline",
                    "-n",
                    "newroot",
                    "--token",
                    token.uri().toString(),
                    "--pin-file",
                    token.pinFile().toString());
            assertEquals(0, gen.exit(), gen.toString());
            template = s.repo().keys().dir();
          } else {
            for (String f : List.of("newroot.pub", "newroot.pkcs11")) {
              Files.copy(template.resolve(f), s.repo().keys().dir().resolve(f));
            }
          }
          killAtStepThenRerun(s, step, when);
          assertFalse(
              Files.exists(s.repo().keys().privateFile("newroot")), "the token key stays there");
        }
      }
    }
  }

  /**
   * Kills between local steps: as soon as a file of the procedure appears (inotify), so the kill
   * lands just after that write, during the next ones, or — if the run is faster — not at all.
   * Whichever it is, the invariant holds and the re-run completes.
   */
  @Test
  void moveOfflineKilledAsLocalFilesAppearCompletesOnRerun() throws Exception {
    List<String> landed = new ArrayList<>();
    for (String file :
        List.of(
            "roles/unsigned/targets.json",
            "keys/origroot.sec",
            "roles/root.json.pending",
            "roles/root.json")) {
      Scenario s = scenario("local-" + file.replace('/', '_'), null);
      try (TestReposerver server = s.server();
          WatchService ws = FileSystems.getDefault().newWatchService()) {
        Path watched = s.repo().dir().resolve(file);
        watched.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        server.onRequest(r -> checkInvariant(s, "on arrival of " + r.line(), violations));
        AtomicReference<Process> proc = new AtomicReference<>();
        AtomicBoolean killed = new AtomicBoolean();
        Thread watcher =
            new Thread(
                () -> {
                  try {
                    while (true) {
                      WatchKey k = ws.take();
                      for (WatchEvent<?> e : k.pollEvents()) {
                        if (watched.getFileName().equals(e.context())) {
                          kill(proc.get(), killed);
                          return;
                        }
                      }
                      k.reset();
                    }
                  } catch (InterruptedException | ClosedWatchServiceException e) {
                    // the run ended first
                  }
                },
                "kill-on-" + file);
        watcher.setDaemon(true);
        watcher.start();
        Proc first = runMoveOffline(s, proc);
        watcher.interrupt();
        watcher.join(10_000);
        String label = "kill at " + file + ": ";
        assertTrue(first.exit() == 137 || first.exit() == 0, label + first);
        checkInvariant(s, label + "after the kill", violations);
        landed.add(
            file
                + (first.exit() == 137 ? " killed" : " finished first")
                + (Files.exists(s.repo().keys().publicFile("origroot")) ? "" : ", no .pub yet"));
        Proc second = runMoveOffline(s, new AtomicReference<>());
        assertEquals(0, second.exit(), label + "re-run: " + second + "\nfirst run: " + first);
        assertEquals(List.of(), violations, label);
        assertRotated(s, label);
      }
    }
    System.out.println("local kill points: " + landed);
  }

  private void killAtStepThenRerun(Scenario s, int step, When when) throws Exception {
    TestReposerver server = s.server();
    String label = s.name() + " (" + SEQUENCE.get(step - 1) + ", " + when + ")";
    int base = server.requestCount();
    int target = base + step;
    AtomicReference<Process> proc = new AtomicReference<>();
    AtomicBoolean killed = new AtomicBoolean();
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    server.onRequest(
        r -> {
          // at every request of either run, the server and the disk together hold the key
          checkInvariant(s, "on arrival of " + r.line(), violations);
          if (r.number() == target && when == When.BEFORE_HANDLING) {
            kill(proc.get(), killed);
          }
        });
    server.onHandled(
        r -> {
          if (r.number() == target && when == When.AFTER_HANDLING) {
            kill(proc.get(), killed);
          }
        });
    if (when == When.BEFORE_HANDLING) {
      server.injectAt(target, Fault.drop()); // the client is dead by then: the server never acts
    }
    Proc first = runMoveOffline(s, proc);
    assertTrue(killed.get(), label + ": never reached the kill point: " + first);
    assertEquals(137, first.exit(), label + ": SIGKILL: " + first);
    assertTrue(
        server.lines(base).get(step - 1).startsWith(SEQUENCE.get(step - 1)),
        label + ": " + server.lines(base));
    checkInvariant(s, label + " after the kill", violations);

    server.onHandled(r -> {});
    server.clearFaults();
    int rerunBase = server.requestCount();
    Proc second = runMoveOffline(s, new AtomicReference<>());
    assertEquals(0, second.exit(), label + ": re-run: " + second + "\nfirst run: " + first);
    assertEquals(List.of(), violations, label);
    assertRotated(s, label + " " + server.lines(rerunBase));
  }

  /**
   * The old root private key is on the server or in keys/origroot.sec, valid — never neither, until
   * the server serves a root without it and roles/root.json is that root.
   */
  private static void checkInvariant(Scenario s, String when, List<String> violations) {
    if (s.server().holdsPrivateKey(s.oldId()) || rotationSavedLocally(s)) {
      return;
    }
    String local = savedOldKey(s);
    if (local != null) {
      violations.add(when + ": the server no longer holds " + s.oldId() + " and " + local);
    }
  }

  private static boolean rotationSavedLocally(Scenario s) {
    SignedMetadata served = s.server().root();
    if (RootRole.of(served, "server root").role("root").keyIds().contains(s.oldId())) {
      return false;
    }
    try {
      return s.repo()
          .signedRole("root")
          .map(l -> l.checksum().equals(served.checksum()))
          .orElse(false);
    } catch (RuntimeException e) {
      return false; // unreadable while being replaced: not saved yet
    }
  }

  /** Null if keys/origroot.sec holds the old root key, else what is wrong with it. */
  private static String savedOldKey(Scenario s) {
    Path sec = s.repo().keys().privateFile("origroot");
    if (!Files.isRegularFile(sec)) {
      return sec + " does not exist";
    }
    try {
      TufKeyPair pair = TufKeyPair.fromJson(MetadataJson.read(sec), s.oldPub(), sec.toString());
      return pair.publicKey().keyId().equals(s.oldId()) ? null : sec + " holds another key";
    } catch (RuntimeException e) {
      return sec + " is not the old root key: " + e.getMessage();
    }
  }

  private static void assertRotated(Scenario s, String label) throws IOException {
    SignedMetadata root = s.server().root();
    RootRole rr = RootRole.of(root, "server root");
    assertEquals(2, rr.version(), label);
    assertEquals(List.of(s.repo().keys().publicKey("newroot").keyId()), rr.role("root").keyIds());
    assertEquals(
        List.of(s.repo().keys().publicKey("newtargets").keyId()), rr.role("targets").keyIds());
    assertFalse(s.server().holdsPrivateKey(s.oldId()), label + ": server still holds the old key");
    // the old online root key is removed once the rotation is complete; its .pub stays
    assertFalse(Files.exists(s.repo().keys().privateFile("origroot")), label + ": origroot.sec");
    assertEquals(s.oldId(), s.repo().keys().publicKey("origroot").keyId(), label);
    SignedMetadata local = s.repo().signedRole("root").orElseThrow();
    assertArrayEquals(CanonicalJson.encode(root.toJson()), CanonicalJson.encode(local.toJson()));
    assertFalse(
        Files.exists(s.repo().rolesDir().resolve("root.json.pending")), label + ": pending left");
    AktualizrVerifier.Result v = AktualizrVerifier.verifyRootUpdate(root.toJson(), s.v1().signed());
    assertTrue(v.ok(), label + ": aktualizr refuses root v2: " + v.reason());
    try (Stream<Path> files = Files.list(s.repo().keys().dir())) {
      // a kill inside an atomic write may leave a 0600 temporary file; never a half-written key
      files
          .filter(f -> f.getFileName().toString().endsWith(".tmp"))
          .forEach(
              f -> {
                try {
                  assertEquals(
                      "rw-------",
                      java.nio.file.attribute.PosixFilePermissions.toString(
                          Files.getPosixFilePermissions(f)),
                      f.toString());
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
    }
  }

  // ---- targets push, client killed after the server accepted the PUT ----

  @Test
  void targetsPushKilledAfterTheServerAcceptedIsRecoverable() throws Exception {
    Scenario s = scenario("push", null);
    try (TestReposerver server = s.server()) {
      Proc pull = run(s, "targets", "pull", "-r", "offline");
      assertEquals(0, pull.exit(), pull.toString());
      String checksumBefore = Files.readString(s.repo().targetsChecksumFile());
      SignedMetadata v2 =
          TargetsAndRootCommandsTest.signTargets(s.repo(), 2, server.targetsKey, "app-1.0.0");
      byte[] signedBytes = Files.readAllBytes(s.repo().signedFile("targets"));
      byte[] unsignedBytes = Files.readAllBytes(s.repo().unsignedFile("targets"));

      AtomicReference<Process> proc = new AtomicReference<>();
      AtomicBoolean killed = new AtomicBoolean();
      server.onHandled(
          r -> {
            if (r.line().equals("PUT targets")) {
              kill(proc.get(), killed);
            }
          });
      Proc push = start(s, proc, "targets", "push", "-r", "offline");
      assertTrue(killed.get(), push.toString());
      assertEquals(137, push.exit(), push.toString());
      server.onHandled(r -> {});
      assertEquals(v2.checksum(), server.targets().checksum(), "the server took v2");
      // nothing local was touched: the files are whole and as before
      assertArrayEquals(signedBytes, Files.readAllBytes(s.repo().signedFile("targets")));
      assertArrayEquals(unsignedBytes, Files.readAllBytes(s.repo().unsignedFile("targets")));
      assertEquals(checksumBefore, Files.readString(s.repo().targetsChecksumFile()));

      // pushing again: the saved checksum is stale, which is said clearly (exit 2)
      Proc again = run(s, "targets", "push", "-r", "offline");
      assertEquals(2, again.exit(), again.toString());
      assertTrue(again.err().contains("targets pull"), again.err());
      assertEquals(v2.checksum(), server.targets().checksum());
      assertArrayEquals(signedBytes, Files.readAllBytes(s.repo().signedFile("targets")));

      // the way out: pull, then sign and push a new version
      pull = run(s, "targets", "pull", "-r", "offline");
      assertEquals(0, pull.exit(), pull.toString());
      assertEquals(server.targetsChecksum(), Files.readString(s.repo().targetsChecksumFile()));
      SignedMetadata v3 =
          TargetsAndRootCommandsTest.signTargets(s.repo(), 3, server.targetsKey, "app-2.0.0");
      Proc last = run(s, "targets", "push", "-r", "offline");
      assertEquals(0, last.exit(), last.toString());
      assertEquals(v3.checksum(), server.targets().checksum());
      assertEquals(3, server.targets().version());
    }
  }

  // ---- helpers ----

  private Scenario scenario(String name, TestToken token) {
    Path home = tmp.resolve(name);
    TestReposerver server = TestReposerver.start();
    Repository repo = TestRepos.create(home, "offline", server);
    if (token == null) {
      repo.keys().writeKeyPair("newroot", TufKeyPair.generate(KeyType.ED25519, 256));
    }
    repo.keys().writeKeyPair("newtargets", TufKeyPair.generate(KeyType.ED25519, 256));
    SignedMetadata v1 = server.root();
    String oldId = server.rootKey.publicKey().keyId();
    return new Scenario(
        name,
        server,
        home,
        repo,
        v1,
        oldId,
        server.rootKey.publicKey(),
        token == null ? List.of() : List.of("--pin-file", token.pinFile().toString()));
  }

  private static void kill(Process p, AtomicBoolean killed) {
    if (p == null) {
      throw new IllegalStateException("no process to kill");
    }
    killed.set(true); // before the kill: the runner's waitFor returns as soon as it dies
    p.destroyForcibly(); // SIGKILL on Linux
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the killed process did not die");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Proc runMoveOffline(Scenario s, AtomicReference<Process> proc) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "move-offline",
                "-r",
                "offline",
                "--new-root",
                "newroot",
                "--new-targets",
                "newtargets",
                "--old-root-alias",
                "origroot"));
    args.addAll(s.pinArgs());
    return start(s, proc, args.toArray(String[]::new));
  }

  private Proc run(Scenario s, String... args) throws Exception {
    return start(s, new AtomicReference<>(), args);
  }

  /** Runs the jar (java itself, so the kill reaches the JVM) and waits for it to end. */
  private Proc start(Scenario s, AtomicReference<Process> proc, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xshare:auto");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    cmd.add("-h");
    cmd.add(s.home().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    pb.environment().remove("GARAGE_HSM_PIN");
    pb.environment().put("GARAGE_HSM_RETRIES", "0");
    pb.environment().put("GARAGE_HSM_REQUEST_TIMEOUT", "60s");
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p;
    synchronized (proc) {
      p = pb.start();
      proc.set(p);
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("java -jar timed out: " + String.join(" ", args));
    }
    return new Proc(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
