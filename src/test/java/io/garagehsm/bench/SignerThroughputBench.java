package io.garagehsm.bench;

import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.Signer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signatures per second through the {@link Signer} interface, one thread and two, to set beside
 * {@code openssl speed} (scripts/bench-signing.sh; method as in pkcs11-notes §7: a 1 KiB message,
 * signing only, no verification). Besides the wall rate each thread records its CPU time per
 * signature, which contention from other processes does not distort; it is printed at the end of
 * the trial as "# cpu per signature".
 *
 * <p><b>Extension point for token backends.</b> {@link #backend} selects how signers are made. Only
 * {@code file} (an in-memory key, as a garage-sign .sec file) exists now. The PKCS#11 integrator
 * adds {@code iaik} and {@code sunpkcs11} to the {@code @Param} list and to {@link Backend#open}:
 * create (or find) a SoftHSM2 token before the module is loaded, generate or locate the key of
 * {@link #keyType} on it, and return one {@link Signer} per benchmark thread, so that two threads
 * sign on two PKCS#11 sessions at once. {@link Backend#close} logs out and finalises. SunPKCS11 has
 * no EdDSA: skip {@code ed25519} there (throw {@code UnsupportedOperationException} in {@code
 * open}; JMH reports the combination as failed and continues).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 1, time = 5)
public class SignerThroughputBench {

  /** How signers are made: {@code file} now; {@code iaik} and {@code sunpkcs11} to come. */
  @Param({"file"})
  public String backend;

  @Param({"ed25519", "rsa2048", "rsa3072", "rsa4096"})
  public String keyType;

  private Backend signers;

  @Setup(Level.Trial)
  public void setUp() {
    signers = Backend.open(backend, keyType);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    signers.close();
  }

  /** Makes signers for one key, one per benchmark thread. */
  interface Backend extends AutoCloseable {
    Signer signerForThread();

    @Override
    default void close() {}

    static Backend open(String backend, String keyType) {
      return switch (backend) {
        case "file" -> {
          TufKeyPair pair = TargetsFixture.key(keyType);
          yield () -> new FileSigner(pair, keyType + " (in memory)");
        }
        // case "iaik" -> ...      PKCS#11 via ipkcs11wrapper on a SoftHSM2 token
        // case "sunpkcs11" -> ... PKCS#11 via SunPKCS11 (RSA only)
        default ->
            throw new IllegalArgumentException(
                "backend '" + backend + "' is not wired into SignerThroughputBench yet");
      };
    }
  }

  /** Per-thread signer and message, and the thread's CPU time. */
  @State(Scope.Thread)
  public static class PerThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    Signer signer;
    final byte[] message = new byte[1024];
    long ops;
    private long cpuStart;
    private long cpuNanos;
    private long totalOps;

    @Setup(Level.Trial)
    public void setUp(SignerThroughputBench bench) {
      new SplittableRandom(Thread.currentThread().getId()).nextBytes(message);
      signer = bench.signers.signerForThread();
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      ops = 0;
      cpuStart = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      cpuNanos += THREADS.getCurrentThreadCpuTime() - cpuStart;
      totalOps += ops;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      signer.close();
      if (totalOps > 0) {
        // Includes warm-up iterations; the per-signature CPU cost changes little once compiled.
        System.out.printf(
            Locale.ROOT,
            "%n# cpu per signature (%s): %.3f ms over %d signatures%n",
            Thread.currentThread().getName(),
            cpuNanos / 1e6 / totalOps,
            totalOps);
      }
    }
  }

  @Benchmark
  @Threads(1)
  public byte[] oneThread(PerThread t) {
    t.ops++;
    return t.signer.sign(t.message);
  }

  @Benchmark
  @Threads(2)
  public byte[] twoThreads(PerThread t) {
    t.ops++;
    return t.signer.sign(t.message);
  }
}
