package io.garagehsm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code targets sign} without the CLI around it: read roles/unsigned/targets.json → parse →
 * canonicalise the {@code signed} part → sign (the signer hashes with SHA-256) → compute the role
 * checksum (SHA-256 of the canonical envelope, what {@code targets push} sends) → pretty-write
 * roles/targets.json atomically (temporary file, fsync, rename).
 *
 * <p>Each fork runs with {@code -Xmx512m}, the acceptance limit, so a run that needs more fails
 * with OutOfMemoryError instead of reporting a time. Allocation per operation comes from {@code
 * -prof gc}. The heap a size really needs is measured by scripts/bench.sh {@code --min-heap}
 * (smallest -Xmx that completes), not here: heap-in-use peaks inside a fork mostly measure how
 * lazily G1 collects.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m", "-Xms512m"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class TargetsSigningBench {

  @Param({"1000", "10000", "100000"})
  public int targets;

  @Param({"ed25519", "rsa3072"})
  public String keyType;

  private Path dir;
  private Path unsigned;
  private Path signedOut;
  private Signer signer;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("garage-hsm-bench");
    unsigned = dir.resolve("unsigned-targets.json");
    signedOut = dir.resolve("targets.json");
    AtomicFiles.write(
        unsigned,
        MetadataJson.pretty(TargetsFixture.unsignedTargets(targets, 42)),
        AtomicFiles.PUBLIC);
    TufKeyPair key = TargetsFixture.key(keyType);
    signer = new FileSigner(key, keyType + " (bench)");
    System.gc();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    System.out.printf(
        java.util.Locale.ROOT,
        "%n# unsigned targets.json %.1f MiB, signed %.1f MiB%n",
        Files.size(unsigned) / 1048576.0,
        Files.size(signedOut) / 1048576.0);
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The whole path; returns the role checksum so nothing is dead code. */
  @Benchmark
  public String signTargets() {
    JsonNode parsed = MetadataJson.read(unsigned);
    ObjectNode body = (ObjectNode) parsed;
    body.put("version", body.path("version").asInt() + 1);
    SignedMetadata signed = MetadataSigner.sign(SignedMetadata.unsigned(body), List.of(signer));
    String checksum = signed.checksum();
    AtomicFiles.write(signedOut, MetadataJson.pretty(signed.toJson()), AtomicFiles.PUBLIC);
    return checksum;
  }
}
