package io.garagehsm.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole {@code targets sign} path through public APIs, one run per JVM, for the peak-heap run
 * of scripts/bench.sh (which starts it with {@code -Xmx512m} under {@code /usr/bin/time -v}).
 *
 * <pre>
 * generate &lt;home&gt; &lt;repo&gt; &lt;targets&gt; &lt;ed25519|rsa2048|rsa3072|rsa4096&gt;
 * sign     &lt;home&gt; &lt;repo&gt; &lt;key-name&gt;
 * </pre>
 *
 * {@code sign} does what {@code targets sign --key-name} does without flags: read
 * roles/unsigned/targets.json, version + 1, expiry unchanged, sign with the named key, write
 * roles/targets.json; it also computes the role checksum. Phase times and the sampled peak heap go
 * to stderr as {@code key=value} lines for the script to pick up.
 */
public final class SignTargetsRun {
  private SignTargetsRun() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 5 && args[0].equals("generate")) {
      long t0 = System.nanoTime();
      Repository r =
          TargetsFixture.writeRepository(
              Path.of(args[1]), args[2], "targets", args[4], Integer.parseInt(args[3]));
      System.err.printf(
          Locale.ROOT,
          "generated=%s bytes=%d ms=%d%n",
          r.unsignedFile("targets"),
          Files.size(r.unsignedFile("targets")),
          (System.nanoTime() - t0) / 1_000_000);
    } else if (args.length == 4 && args[0].equals("sign")) {
      sign(Path.of(args[1]), args[2], args[3]);
    } else {
      System.err.println(
          "usage: SignTargetsRun generate <home> <repo> <targets> <key-type>\n"
              + "       SignTargetsRun sign <home> <repo> <key-name>");
      System.exit(255);
    }
  }

  private static void sign(Path home, String repoName, String keyName) throws Exception {
    Sampler sampler = new Sampler();
    sampler.start();
    List<String> phases = new ArrayList<>();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocStart = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    long t = start;

    Repository repo = Repository.open(home, repoName);
    ObjectNode body =
        repo.unsignedRole("targets").orElseThrow(() -> new IllegalStateException("no unsigned"));
    t = phase(phases, "read_parse", t);

    body.put("version", body.path("version").asInt() + 1);
    SignedMetadata signed;
    try (Signer signer = repo.keys().signer(keyName, null)) {
      t = phase(phases, "load_key", t);
      signed = MetadataSigner.sign(SignedMetadata.unsigned(body), List.of(signer));
    }
    t = phase(phases, "canonicalise_sign_verify", t);

    String checksum = signed.checksum();
    t = phase(phases, "checksum", t);

    repo.writeSignedRole("targets", signed);
    t = phase(phases, "pretty_write", t);

    long allocated = threads.getCurrentThreadAllocatedBytes() - allocStart;
    sampler.stop();
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.err.printf(
        Locale.ROOT,
        "phases_ms %s%ntotal_ms=%d%nallocated_mib=%d%nsampled_peak_heap_mib=%.1f%n"
            + "max_heap_mib=%.1f%nsigned_bytes=%d%nchecksum=%s%n",
        String.join(" ", phases),
        (t - start) / 1_000_000,
        allocated >> 20,
        sampler.peak.get() / 1048576.0,
        mem.getHeapMemoryUsage().getMax() / 1048576.0,
        Files.size(repo.signedFile("targets")),
        checksum);
  }

  private static long phase(List<String> phases, String name, long since) {
    long now = System.nanoTime();
    phases.add(name + "=" + (now - since) / 1_000_000);
    return now;
  }

  /** Samples heap in use every 5 ms (includes uncollected garbage). */
  private static final class Sampler implements Runnable {
    final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this, "heap-sampler");

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    @Override
    public void run() {
      MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
      while (running) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
