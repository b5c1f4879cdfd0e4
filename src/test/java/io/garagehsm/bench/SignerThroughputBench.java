package io.garagehsm.bench;

import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.pkcs11.BackendKind;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.secret.PinSources;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenKeys;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
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
 * <p>Backends: {@code file} (an in-memory key, as a garage-sign .sec file), {@code iaik} and {@code
 * sunpkcs11} (SoftHSM2 token keys through {@link TokenKeys}, see {@link #token}). SunPKCS11 has no
 * EdDSA: its {@code ed25519} combination fails on purpose and JMH continues.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 1, time = 5)
public class SignerThroughputBench {

  /** How signers are made: in-memory file keys, or token keys through either PKCS#11 backend. */
  @Param({"file", "iaik", "sunpkcs11", "remote"})
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
        case "iaik" -> token(BackendKind.IAIK, keyType);
        case "sunpkcs11" -> {
          if (keyType.equals("ed25519")) {
            throw new UnsupportedOperationException("SunPKCS11 has no EdDSA");
          }
          yield token(BackendKind.SUNPKCS11, keyType);
        }
        case "remote" -> {
          if (keyType.equals("ed25519")) {
            throw new UnsupportedOperationException("p11-kit 0.24's protocol carries no EdDSA");
          }
          yield token(BackendKind.IAIK, "BENCH_REMOTE_KEYS_DIR", "remote-" + keyType);
        }
        default ->
            throw new IllegalArgumentException(
                "backend '" + backend + "' is not wired into SignerThroughputBench yet");
      };
    }
  }

  /**
   * Token keys prepared by scripts/bench-signing.sh: keys {@code bench-<keyType>} generated on a
   * SoftHSM2 token with {@code user-keys gen --token} into {@code $BENCH_KEYS_DIR}, PIN in {@code
   * $BENCH_PIN_FILE}. Every thread opens its own key, i.e. its own PKCS#11 session.
   */
  static Backend token(BackendKind kind, String keyType) {
    return token(kind, "BENCH_KEYS_DIR", "bench-" + keyType);
  }

  /**
   * Token keys named {@code name} in the folder {@code $keysDirVariable}. {@code remote}: keys
   * generated through p11-kit's client module on the same SoftHSM2 token exported by a {@code
   * p11-kit server} (scripts/bench-signing.sh starts it and sets P11_KIT_SERVER_ADDRESS); all
   * threads share one login and the token's session pool.
   */
  static Backend token(BackendKind kind, String keysDirVariable, String name) {
    String dir = System.getenv(keysDirVariable);
    String pinFile = System.getenv("BENCH_PIN_FILE");
    if (dir == null || pinFile == null) {
      throw new IllegalStateException(
          "token backends need "
              + keysDirVariable
              + " and BENCH_PIN_FILE: run scripts/bench-signing.sh");
    }
    KeyDirectory keys = new KeyDirectory(Path.of(dir));
    TokenKeys tokens =
        new TokenKeys(
            kind,
            null,
            ModuleLocator.system(),
            PinSources.builder().pinFile(Path.of(pinFile)).environment(Map.of()).build(),
            message -> {},
            false);
    return new Backend() {
      @Override
      public synchronized Signer signerForThread() {
        return keys.signer(name, tokens);
      }

      @Override
      public void close() {
        tokens.close();
      }
    };
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
