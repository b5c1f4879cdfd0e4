package io.garagehsm.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Peak heap use as the JVM's memory pools record it. The sum of the per-pool peaks is an upper
 * bound of the peak heap in use (young and old peaks need not coincide); under a fixed {@code -Xmx}
 * it says how close a run came to the limit. It includes garbage not yet collected, so it is not
 * the live set: use the GC log's after-collection sizes for that (scripts/bench.sh does).
 */
public final class HeapPeak {
  private static final List<MemoryPoolMXBean> HEAP =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP)
          .toList();

  private HeapPeak() {}

  /** Starts a new peak window. */
  public static void reset() {
    HEAP.forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  /** Sum of the heap pools' peaks since the last reset, in bytes. */
  public static long peakBytes() {
    return HEAP.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
  }

  /** Bytes as MiB with one decimal. */
  public static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
