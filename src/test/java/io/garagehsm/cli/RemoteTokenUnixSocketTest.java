package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.remote.CliProcess;
import io.garagehsm.remote.P11KitServer;
import io.garagehsm.remote.ParallelSigningRun;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The remote-token procedure with the client on p11-kit's Unix socket, plus what a user sees when
 * the token server is down.
 */
class RemoteTokenUnixSocketTest extends RemoteTokenProcedureBase {
  @Override
  String variant() {
    return "unix";
  }

  @Override
  String clientAddress() {
    return p11kit.address();
  }

  @Test
  @Order(7)
  void anUnreachableServerIsNamedInsteadOfNoTokenPresent() {
    var before = Cli.snapshot(dir.resolve("home"));
    p11kit.stop();
    try {
      CliProcess.Result r =
          cli.run(
              "targets",
              "sign",
              "-r",
              REPO,
              "--key-name",
              "newtargets",
              "--pin-env",
              "CI_TOKEN_PIN");
      assertEquals(3, r.exit(), r::toString);
      assertTrue(r.err().contains(shim.library().toString()), r.err());
      assertTrue(r.err().contains("P11_KIT_SERVER_ADDRESS=" + p11kit.address()), r.err());
      assertTrue(r.err().contains("unreachable"), r.err());
      assertFalse(r.err().contains("softhsm2-util"), r.err());
      assertFalse(r.err().contains("tokens present: none"), r.err());
      assertEquals(before, Cli.snapshot(dir.resolve("home")), "nothing written");
      CliProcess.Result unset =
          cli.start(
                  Map.of("P11_KIT_SERVER_ADDRESS", ""),
                  "tokens",
                  "list",
                  "--module",
                  shim.library().toString())
              .await();
      assertTrue(unset.err().contains("P11_KIT_SERVER_ADDRESS"), unset::toString);
    } finally {
      p11kit.restart();
    }
    ok("targets", "sign", "-r", REPO, "--key-name", "newtargets", "--pin-env", "CI_TOKEN_PIN");
    assertTrue(P11KitServer.CLIENT_MODULE.toString().endsWith("p11-kit-client.so"));
  }

  @Test
  @Order(8)
  void parallelSigningNeverOpensMoreSessionsThanAllowedAndLogsInOnce() {
    String keys = dir.resolve("home").resolve(REPO).resolve("keys").toString();
    String pinFile = token.pinFile().toString();
    // --max-sessions 2 (the API's maxSessions), six threads each with its own open key
    CliProcess.Result two =
        cli.runClass(
            ParallelSigningRun.class.getName(),
            Map.of(),
            keys,
            "newtargets",
            pinFile,
            "6",
            "15",
            "2");
    assertEquals(0, two.exit(), two::toString);
    assertEquals("90", two.out().strip(), two::toString);
    assertEquals(90, two.calls().calls("C_Sign", "0x0"), two::toString);
    assertTrue(two.calls().maxSessions() <= 2, two::toString);
    assertTrue(two.calls().maxSessions() >= 2, "the pool was used in parallel\n" + two);
    assertEquals(1, two.calls().calls("C_Login"), two::toString);

    // the token says it has 3 sessions (the shim lowers ulMaxSessionCount): never more, even
    // with a larger --max-sessions
    CliProcess.Result capped =
        cli.runClass(
            ParallelSigningRun.class.getName(),
            Map.of("GARAGE_SHIM_MAX_SESSIONS", "3"),
            keys,
            "newtargets",
            pinFile,
            "6",
            "15",
            "16");
    assertEquals(0, capped.exit(), capped::toString);
    assertTrue(capped.calls().maxSessions() <= 3, capped::toString);
    assertTrue(capped.calls().maxSessions() >= 2, "the pool was used in parallel\n" + capped);
    assertEquals(1, capped.calls().calls("C_Login"), capped::toString);
  }
}
