package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.remote.CliProcess;
import io.garagehsm.remote.DelayingProxy;
import io.garagehsm.remote.SocatBridge;
import java.util.concurrent.TimeUnit;

/**
 * The remote-token procedure across a TCP hop on 127.0.0.1 with 20 ms added to every PKCS#11 call:
 * client module → Unix socket → socat → TCP → delaying proxy → p11-kit server. Timings then
 * resemble a networked HSM, and every run must still complete with one login.
 */
class RemoteTokenOverTcpTest extends RemoteTokenProcedureBase {
  static final long DELAY_MS = 20;

  DelayingProxy proxy;
  SocatBridge socat;

  @Override
  String variant() {
    return "tcp";
  }

  @Override
  String clientAddress() {
    proxy = DelayingProxy.start(p11kit.socket(), DELAY_MS);
    socat = SocatBridge.unixToTcp(dir.resolve("bridge").resolve("client.sock"), proxy.port());
    return socat.address();
  }

  private long delayedBefore;

  @Override
  void afterRun(CliProcess.Result r, long nanos) {
    long delayed = proxy.delayedChunks() - delayedBefore;
    delayedBefore = proxy.delayedChunks();
    if (r.calls().lines().isEmpty()) {
      return; // this run did not use the token
    }
    // every call to the token crossed the proxy and waited there
    assertTrue(delayed >= r.calls().lines().size(), "delayed " + delayed + " calls\n" + r);
    assertTrue(
        TimeUnit.NANOSECONDS.toMillis(nanos) >= delayed * DELAY_MS,
        "a run with " + delayed + " delayed calls took " + nanos / 1_000_000 + " ms");
  }

  @Override
  void stopTransport() {
    if (socat != null) {
      socat.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }
}
