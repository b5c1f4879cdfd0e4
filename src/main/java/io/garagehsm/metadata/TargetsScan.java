package io.garagehsm.metadata;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An unsigned targets file held as bytes and read without a parser or trees, for the common case
 * only: garage-sign's own output (printable ASCII strings without escapes, integers, every target
 * in re-encoded form {@code hashes, length[, custom]}). {@link #scan} returns null for anything
 * else (escapes, non-ASCII, fractions, duplicate keys, a bad target, a syntax error…), and {@link
 * StreamedTargets} then reads the same bytes with Jackson, so every error and every unusual input
 * is handled exactly as before; this class never decides an error itself. What it accepts is a
 * strict subset of what Jackson accepts, so both give the same values: strings are their bytes,
 * numbers their literal.
 *
 * <p>One pass checks the file and measures each target's canonical size, and a sort by filename
 * finds duplicates; {@link #writeCanonical} then writes the sorted targets' canonical bytes (keys
 * sorted, no whitespace) straight into the array that is signed, and {@link #writeTargets} writes
 * them in the file order in garage-sign's pretty style.
 */
final class TargetsScan {
  /** Top-level fields whose values are decoded (by Jackson, from their bytes). */
  static final String[] FIELDS = {"_type", "expires", "version", "delegations", "custom"};

  private static final int MAX_DEPTH = 64;
  private static final int MAX_DIGITS = 18; // always fits a long
  private static final int MAX_NAME = 253; // TargetsRole.checkFilename

  /** Longer strings are left to Jackson, whose limits (names 50,000, strings 20M) then apply. */
  private static final int MAX_STRING = 40_000;

  /** Thrown to leave the scan: the input is outside the subset (no stack trace, one instance). */
  private static final class Outside extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Outside() {
      super(null, null, false, false);
    }
  }

  private static final Outside OUTSIDE = new Outside();

  private final byte[] b;
  private final int end;
  private int pos;
  private int parallelMin = PARALLEL_SCAN_MIN;
  private boolean split;
  private long whitespace;

  /** Value ranges of {@link #FIELDS}: from (inclusive), to (exclusive); -1 when absent. */
  final int[] fieldFrom = {-1, -1, -1, -1, -1};

  final int[] fieldTo = {-1, -1, -1, -1, -1};

  /** The number of targets; per target (file order) its name and item value ranges. */
  int count;

  private int[] nameFrom = new int[1024];
  private int[] nameTo = new int[1024];
  private int[] itemFrom = new int[1024];
  private int[] itemTo = new int[1024];

  /** Target indices in canonical (filename) order. */
  private int[] sorted;

  /** Per target (file order): the size of its canonical member {@code "name":item}. */
  private int[] canonicalLength = new int[1024];

  private long canonicalSize;

  /** Per-depth scratch for object members: key from, key to, value from. */
  private final int[][] members = new int[MAX_DEPTH + 2][];

  private TargetsScan(byte[] b) {
    this.b = b;
    this.end = b.length;
  }

  /** Reads {@code b}; null when it is not in the subset described above (Jackson must read it). */
  static TargetsScan scan(byte[] b) {
    return scan(b, PARALLEL_SCAN_MIN);
  }

  /** {@link #scan}, with a second thread from targets of {@code parallelMin} bytes (tests). */
  static TargetsScan scan(byte[] b, int parallelMin) {
    TargetsScan s = new TargetsScan(b);
    s.parallelMin = parallelMin;
    try {
      s.document();
      if (s.canonicalSize > Integer.MAX_VALUE - 1024) {
        return null; // Jackson's path words it
      }
      s.sortTargets();
      return s;
    } catch (Outside | ArrayIndexOutOfBoundsException e) {
      return null; // outside, or ran off the end (truncated): for Jackson to word
    }
  }

  // ---- the checking pass

  private void document() {
    ws();
    expect('{');
    ws();
    if (b[pos] == '}') {
      throw OUTSIDE; // no targets: Jackson's path words it
    }
    int[] keys = new int[16];
    int n = 0;
    boolean targets = false;
    while (true) {
      int kf = string();
      int kt = pos - 1;
      if (n * 2 + 2 > keys.length) {
        keys = java.util.Arrays.copyOf(keys, keys.length * 2);
      }
      for (int i = 0; i < n; i++) {
        if (same(keys[2 * i], keys[2 * i + 1], kf, kt)) {
          throw OUTSIDE; // a duplicate key
        }
      }
      keys[2 * n] = kf;
      keys[2 * n + 1] = kt;
      n++;
      ws();
      expect(':');
      ws();
      if (is(kf, kt, "targets")) {
        if (b[pos] != '{') {
          throw OUTSIDE;
        }
        targets = true;
        targets();
      } else {
        int from = pos;
        skipValue(1);
        int field = field(kf, kt);
        if (field >= 0) {
          fieldFrom[field] = from;
          fieldTo[field] = pos;
        }
      }
      ws();
      if (b[pos] == ',') {
        pos++;
        ws();
        continue;
      }
      expect('}');
      break;
    }
    ws();
    if (pos != end || !targets) {
      throw OUTSIDE; // trailing content
    }
  }

  private int field(int from, int to) {
    for (int i = 0; i < FIELDS.length; i++) {
      if (is(from, to, FIELDS[i])) {
        return i;
      }
    }
    return -1;
  }

  private void targets() {
    pos++; // '{'
    ws();
    if (b[pos] == '}') {
      pos++;
      return;
    }
    SecondHalf second = SecondHalf.start(this);
    try {
      while (true) {
        if (second != null && pos >= second.from) {
          if (pos == second.from) {
            adopt(second); // here in the state the second thread started in: its members follow
            second = null;
            return;
          }
          second.cancel(); // its start was not a member of targets after all
          second = null;
        }
        member();
        ws();
        if (b[pos] == ',') {
          pos++;
          ws();
          continue;
        }
        expect('}');
        return;
      }
    } finally {
      if (second != null) {
        second.cancel();
      }
    }
  }

  /**
   * The members of targets from {@link #pos} (a member's name) through the closing brace: what
   * {@link #targets} does from there.
   */
  private void membersToEnd(SecondHalf half) {
    for (int n = 1; ; n++) {
      if ((n & 1023) == 0 && half.cancelled) {
        throw OUTSIDE; // nobody waits for this result
      }
      member();
      ws();
      if (b[pos] == ',') {
        pos++;
        ws();
        continue;
      }
      expect('}');
      return;
    }
  }

  /** Takes the second thread's members, which follow this thread's, and its end. */
  private void adopt(SecondHalf half) {
    TargetsScan t = half.join();
    int n = count + t.count;
    if (n > nameFrom.length) {
      nameFrom = java.util.Arrays.copyOf(nameFrom, n);
      nameTo = java.util.Arrays.copyOf(nameTo, n);
      itemFrom = java.util.Arrays.copyOf(itemFrom, n);
      itemTo = java.util.Arrays.copyOf(itemTo, n);
      canonicalLength = java.util.Arrays.copyOf(canonicalLength, n);
    }
    System.arraycopy(t.nameFrom, 0, nameFrom, count, t.count);
    System.arraycopy(t.nameTo, 0, nameTo, count, t.count);
    System.arraycopy(t.itemFrom, 0, itemFrom, count, t.count);
    System.arraycopy(t.itemTo, 0, itemTo, count, t.count);
    System.arraycopy(t.canonicalLength, 0, canonicalLength, count, t.count);
    count = n;
    canonicalSize += t.canonicalSize;
    pos = t.pos;
    split = true;
  }

  /** Whether a second thread scanned part of the targets (tests). */
  boolean split() {
    return split;
  }

  /** One member of targets: {@code "name" : item}, recorded. */
  private void member() {
    int nf = string();
    int nt = pos - 1;
    if (nt == nf || nt - nf > MAX_NAME || hasDotDot(nf, nt)) {
      throw OUTSIDE; // TargetsRole.checkFilename refuses it
    }
    ws();
    expect(':');
    ws();
    long ws0 = whitespace;
    int from = pos;
    item();
    if (count == nameFrom.length) {
      int l = count * 2;
      nameFrom = java.util.Arrays.copyOf(nameFrom, l);
      nameTo = java.util.Arrays.copyOf(nameTo, l);
      itemFrom = java.util.Arrays.copyOf(itemFrom, l);
      itemTo = java.util.Arrays.copyOf(itemTo, l);
      canonicalLength = java.util.Arrays.copyOf(canonicalLength, l);
    }
    nameFrom[count] = nf;
    nameTo[count] = nt;
    itemFrom[count] = from;
    itemTo[count] = pos;
    count++;
    // "name":item, without the item's whitespace (and a comma between members)
    long size = (nt - nf) + 3 + (pos - from) - (whitespace - ws0);
    canonicalLength[count - 1] = (int) size;
    canonicalSize += size + 1;
  }

  /** From this many bytes of targets on, a second thread scans the second half. */
  private static final int PARALLEL_SCAN_MIN = 1 << 20;

  /**
   * The scan of the second half of a large targets object on a second thread. It starts at what
   * looks like a member's name ({@code }, "name" : { "hashes"}) after the middle; the first thread
   * takes its result only when its own scan arrives exactly there, between two members of targets,
   * which is the state the second one assumed; since the scan's outcome from there depends on
   * nothing else, the result is the same as one thread's, failures included. Anywhere else (the
   * pattern was inside a target's custom value) the second thread is stopped and its work ignored.
   */
  private static final class SecondHalf implements Runnable {
    final int from;
    private final TargetsScan scan;
    private final Thread thread;
    volatile boolean cancelled;
    private boolean outside;
    private Throwable failure;

    private SecondHalf(byte[] b, int from) {
      this.from = from;
      this.scan = new TargetsScan(b);
      scan.pos = from;
      this.thread = new Thread(this, "scan-targets");
      thread.setDaemon(true);
    }

    static SecondHalf start(TargetsScan s) {
      if (s.end - s.pos < s.parallelMin || Runtime.getRuntime().availableProcessors() < 2) {
        return null;
      }
      int at = memberAfter(s.b, s.pos + (s.end - s.pos) / 2, s.end);
      if (at < 0) {
        return null;
      }
      SecondHalf h = new SecondHalf(s.b, at);
      h.thread.start();
      return h;
    }

    @Override
    public void run() {
      try {
        scan.membersToEnd(this);
      } catch (Outside | ArrayIndexOutOfBoundsException e) {
        outside = true;
      } catch (RuntimeException | Error e) {
        failure = e;
      }
    }

    void cancel() {
      cancelled = true;
    }

    /** The finished scan; throws what one thread would have thrown from {@link #from}. */
    TargetsScan join() {
      boolean interrupted = false;
      while (true) {
        try {
          thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the result is needed; the flag is kept for the caller
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure instanceof RuntimeException r) {
        throw r;
      } else if (failure instanceof Error e) {
        throw e;
      }
      if (outside) {
        throw OUTSIDE;
      }
      return scan;
    }
  }

  /**
   * The opening quote of the first {@code "name" : { "hashes"} that follows {@code }} and {@code ,}
   * (whitespace anywhere between) in the MiB after {@code at}, or -1.
   */
  static int memberAfter(byte[] b, int at, int end) {
    int limit = Math.min(end, at + (1 << 20));
    for (int i = at; i < limit; i++) {
      if (b[i] != '}') {
        continue;
      }
      int p = skipWs(b, i + 1, end);
      if (p >= end || b[p] != ',') {
        continue;
      }
      p = skipWs(b, p + 1, end);
      if (p >= end || b[p] != '"') {
        continue;
      }
      int q = p + 1;
      while (q < end && q - p <= MAX_NAME && b[q] != '"') {
        q++;
      }
      if (q >= end || b[q] != '"') {
        continue;
      }
      int r = skipWs(b, q + 1, end);
      if (r >= end || b[r] != ':') {
        continue;
      }
      r = skipWs(b, r + 1, end);
      if (r >= end || b[r] != '{') {
        continue;
      }
      r = skipWs(b, r + 1, end);
      if (r + HASHES.length <= end
          && java.util.Arrays.equals(b, r, r + HASHES.length, HASHES, 0, HASHES.length)) {
        return p;
      }
    }
    return -1;
  }

  private static final byte[] HASHES = ascii("\"hashes\"");

  private static int skipWs(byte[] b, int p, int end) {
    while (p < end && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) {
      p++;
    }
    return p;
  }

  /** A target item in re-encoded form: {@code {"hashes":{…strings},"length":n[,"custom":v]}}. */
  private void item() {
    expect('{');
    ws();
    int kf = string();
    if (!is(kf, pos - 1, "hashes")) {
      throw OUTSIDE;
    }
    ws();
    expect(':');
    ws();
    expect('{');
    ws();
    if (b[pos] != '}') {
      int[] m = scratch(members, 2);
      int n = 0;
      while (true) {
        int hf = string();
        m = remember(members, m, 2, n, hf, pos - 1, 0, 0);
        n++;
        ws();
        expect(':');
        ws();
        string();
        ws();
        if (b[pos] == ',') {
          pos++;
          ws();
          continue;
        }
        break;
      }
      unique(m, n);
    }
    expect('}');
    ws();
    expect(',');
    ws();
    kf = string();
    if (!is(kf, pos - 1, "length")) {
      throw OUTSIDE;
    }
    ws();
    expect(':');
    ws();
    if (b[pos] == '-') {
      throw OUTSIDE; // negative: TargetsRole.checkItem refuses it
    }
    number();
    ws();
    if (b[pos] == ',') {
      pos++;
      ws();
      kf = string();
      if (!is(kf, pos - 1, "custom")) {
        throw OUTSIDE;
      }
      ws();
      expect(':');
      ws();
      if (b[pos] == 'n') {
        throw OUTSIDE; // custom null is dropped by the re-encoding
      }
      skipValue(3);
      ws();
    }
    expect('}');
  }

  private void skipValue(int depth) {
    if (depth > MAX_DEPTH) {
      throw OUTSIDE;
    }
    switch (b[pos]) {
      case '{' -> {
        pos++;
        ws();
        if (b[pos] == '}') {
          pos++;
          return;
        }
        int[] m = scratch(members, depth);
        int n = 0;
        while (true) {
          int kf = string();
          m = remember(members, m, depth, n, kf, pos - 1, 0, 0);
          n++;
          ws();
          expect(':');
          ws();
          skipValue(depth + 1);
          ws();
          if (b[pos] == ',') {
            pos++;
            ws();
            continue;
          }
          expect('}');
          break;
        }
        unique(scratch(members, depth), n);
      }
      case '[' -> {
        pos++;
        ws();
        if (b[pos] == ']') {
          pos++;
          return;
        }
        while (true) {
          skipValue(depth + 1);
          ws();
          if (b[pos] == ',') {
            pos++;
            ws();
            continue;
          }
          expect(']');
          return;
        }
      }
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> number();
    }
  }

  /** A string of printable ASCII without escapes; returns where its content starts. */
  private int string() {
    // locals, not fields, in the loops of this class: C1 (the launcher's only compiler) keeps
    // them in registers, and reloads and stores a field on every byte
    byte[] b = this.b;
    int p = pos;
    if (b[p] != '"') {
      throw OUTSIDE;
    }
    int from = ++p;
    while (true) {
      byte c = b[p];
      if (c > '"' && c < 0x7f && c != '\\') {
        p++; // the usual byte first (non-ASCII bytes are negative)
        continue;
      }
      if (c == '"') {
        if (p - from > MAX_STRING) {
          throw OUTSIDE;
        }
        pos = p + 1;
        return from;
      }
      if (c < 0x20 || c > 0x7e || c == '\\') {
        throw OUTSIDE; // escapes, controls, DEL, non-ASCII: Jackson reads these
      }
      p++;
    }
  }

  /** An integer without leading zeros ({@code -0} and fractions are left to Jackson). */
  private void number() {
    int from = pos;
    if (b[pos] == '-') {
      pos++;
    }
    int digits = pos;
    if (b[pos] == '0') {
      pos++;
      if (digits != from) {
        throw OUTSIDE; // -0
      }
    } else {
      while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
        pos++;
      }
    }
    if (pos == digits || pos - digits > MAX_DIGITS) {
      throw OUTSIDE;
    }
    delimiter();
  }

  private void literal(String word) {
    for (int i = 0; i < word.length(); i++) {
      if (b[pos++] != word.charAt(i)) {
        throw OUTSIDE;
      }
    }
    delimiter();
  }

  /** After a number or literal: the end, whitespace or a separator, never more of a token. */
  private void delimiter() {
    if (pos < end) {
      byte c = b[pos];
      if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        throw OUTSIDE;
      }
    }
  }

  private void ws() {
    byte[] b = this.b;
    int end = this.end;
    int from = pos;
    int p = from;
    while (p < end) {
      byte c = b[p];
      if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t')) {
        break;
      }
      p++;
    }
    if (p != from) {
      whitespace += p - from;
      pos = p;
    }
  }

  private void expect(char c) {
    if (b[pos] != c) {
      throw OUTSIDE;
    }
    pos++;
  }

  private boolean hasDotDot(int from, int to) {
    for (int i = from + 1; i < to; i++) {
      if (b[i] == '.' && b[i - 1] == '.') {
        return true;
      }
    }
    return false;
  }

  private boolean is(int from, int to, String s) {
    if (to - from != s.length()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[from + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean same(int af, int at, int bf, int bt) {
    return java.util.Arrays.equals(b, af, at, b, bf, bt);
  }

  /** Byte order of two strings: for printable ASCII, String.compareTo's order. */
  private int compare(int af, int at, int bf, int bt) {
    return java.util.Arrays.compare(b, af, at, b, bf, bt);
  }

  /**
   * The member array of {@code depth} in {@code members} (the scan's and the pretty writer's each
   * keep their own, since they run side by side): key from, key to, value from, value to per member
   * (the scan leaves the value's range 0).
   */
  private static int[] scratch(int[][] members, int depth) {
    int[] m = members[depth];
    if (m == null) {
      m = new int[4 * 16];
      members[depth] = m;
    }
    return m;
  }

  private static int[] remember(
      int[][] members, int[] m, int depth, int n, int kf, int kt, int vf, int vt) {
    if (4 * n + 4 > m.length) {
      m = java.util.Arrays.copyOf(m, m.length * 2);
      members[depth] = m;
    }
    m[4 * n] = kf;
    m[4 * n + 1] = kt;
    m[4 * n + 2] = vf;
    m[4 * n + 3] = vt;
    return m;
  }

  /** Refuses duplicate keys among the first {@code n} members (Jackson's strict check). */
  private void unique(int[] m, int n) {
    byte[] b = this.b;
    for (int i = 1; i < n; i++) {
      int fi = m[4 * i];
      int li = m[4 * i + 1] - fi;
      for (int j = 0; j < i; j++) {
        int fj = m[4 * j];
        // length and first byte before the whole comparison (an empty key's "first byte" is its
        // closing quote, the same for both)
        if (m[4 * j + 1] - fj == li && b[fi] == b[fj] && same(fi, fi + li, fj, fj + li)) {
          throw OUTSIDE;
        }
      }
    }
  }

  // ---- sorting and the canonical pass

  /** The sort keys per name: its first {@link #KEY_BYTES} bytes as longs. */
  private static final int KEY_WORDS = 3;

  private static final int KEY_BYTES = 8 * KEY_WORDS;

  /**
   * Per target ({@link #KEY_WORDS} longs each): its name's first {@link #KEY_BYTES} bytes,
   * big-endian, zero-padded (names have no zero bytes), so that most comparisons of names that
   * share a long prefix ("app-firmware-1.62.7") are two or three comparisons of longs.
   */
  private long[] keys;

  private void sortTargets() {
    int[] idx = new int[count];
    byte[] b = this.b;
    long[] k = new long[KEY_WORDS * count];
    for (int i = 0; i < count; i++) {
      idx[i] = i;
      int from = nameFrom[i];
      int len = nameTo[i] - from;
      for (int w = 0; w < KEY_WORDS; w++) {
        long x = 0;
        int at = from + 8 * w;
        int n = Math.min(8, len - 8 * w);
        for (int j = 0; j < 8; j++) {
          x = (x << 8) | (j < n ? b[at + j] & 0xff : 0);
        }
        k[KEY_WORDS * i + w] = x;
      }
    }
    keys = k;
    int[] tmp = new int[count];
    mergeSort(idx, tmp, 0, count);
    for (int i = 1; i < count; i++) {
      if (byName(idx[i - 1], idx[i]) == 0) {
        throw OUTSIDE; // a duplicate filename
      }
    }
    sorted = idx;
    keys = null;
  }

  private void mergeSort(int[] a, int[] tmp, int from, int to) {
    if (to - from <= 12) {
      for (int i = from + 1; i < to; i++) {
        int v = a[i];
        int j = i - 1;
        while (j >= from && byName(a[j], v) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    int mid = (from + to) >>> 1;
    mergeSort(a, tmp, from, mid);
    mergeSort(a, tmp, mid, to);
    if (byName(a[mid - 1], a[mid]) <= 0) {
      return; // already in order (files sorted by name)
    }
    System.arraycopy(a, from, tmp, from, to - from);
    int i = from;
    int j = mid;
    for (int k = from; k < to; k++) {
      if (j >= to || (i < mid && byName(tmp[i], tmp[j]) <= 0)) {
        a[k] = tmp[i++];
      } else {
        a[k] = tmp[j++];
      }
    }
  }

  /** String order of two targets' names (bytes: printable ASCII), by their keys first. */
  private int byName(int x, int y) {
    long[] k = keys;
    int kx = KEY_WORDS * x;
    int ky = KEY_WORDS * y;
    for (int w = 0; w < KEY_WORDS; w++) {
      long px = k[kx + w];
      long py = k[ky + w];
      if (px != py) {
        return px < py ? -1 : 1; // the top byte is ASCII: signed order is unsigned order
      }
    }
    int ax = nameFrom[x];
    int ay = nameFrom[y];
    int lx = nameTo[x] - ax;
    int ly = nameTo[y] - ay;
    int n = Math.min(lx, ly);
    byte[] b = this.b;
    for (int i = KEY_BYTES; i < n; i++) {
      int d = b[ax + i] - b[ay + i];
      if (d != 0) {
        return d;
      }
    }
    return lx - ly;
  }

  /** The size of the canonical members {@code "name":item,…} joined by commas. */
  long canonicalSize() {
    return count == 0 ? 0 : canonicalSize - 1; // no comma after the last
  }

  /**
   * Writes the canonical members {@code "name":item} in filename order, joined by commas, into
   * {@code out} from {@code at} ({@link #canonicalSize} bytes). Many targets are split between this
   * thread and one more: each half knows where it starts from the targets' sizes.
   */
  void writeCanonical(byte[] out, int at) {
    if (count < PARALLEL_MIN || Runtime.getRuntime().availableProcessors() < 2) {
      new Walker(this).canonical(out, at, 0, count);
      return;
    }
    int half = count / 2;
    long offset = at;
    for (int k = 0; k < half; k++) {
      offset += canonicalLength[sorted[k]] + 1;
    }
    int secondAt = (int) offset;
    Throwable[] failure = new Throwable[1];
    Thread second =
        new Thread(
            () -> {
              try {
                new Walker(this).canonical(out, secondAt, half, count);
              } catch (RuntimeException | Error e) {
                failure[0] = e;
              }
            },
            "canonical-targets");
    second.setDaemon(true);
    second.start();
    new Walker(this).canonical(out, at, 0, half);
    out[secondAt - 1] = ',';
    try {
      second.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing canonical targets", e);
    }
    if (failure[0] instanceof RuntimeException r) {
      throw r;
    } else if (failure[0] instanceof Error e) {
      throw e;
    }
  }

  /** From this many targets, the canonical bytes are written by two threads. */
  private static final int PARALLEL_MIN = 4096;

  /**
   * Writes the members of the {@code targets} object in file order, as Jackson's pretty printer
   * does inside {@code signed} (members at indent level 3): each preceded by a comma after the
   * first and a line break; the caller writes the braces.
   */
  void writeTargets(OutputStream sink) throws IOException {
    Pretty p = new Pretty(sink);
    Walker w = new Walker(this);
    for (int t = 0; t < count; t++) {
      if (t > 0) {
        p.put((byte) ',');
      }
      p.indent(3);
      p.put((byte) '"');
      p.put(b, nameFrom[t], nameTo[t]);
      p.put((byte) '"');
      p.put(SEPARATOR, 0, SEPARATOR.length);
      w.pos = itemFrom[t];
      w.pretty(p, 3);
    }
    p.flush();
  }

  private static final byte[] SEPARATOR = {' ', ':', ' '};

  /**
   * One thread's walk over checked bytes (no checks left to make): the canonical and the pretty
   * form of values.
   */
  private static final class Walker {
    private final TargetsScan s;
    private final byte[] b;
    private final int end;
    private final int[][] members = new int[MAX_DEPTH + 2][];
    int pos;
    private byte[] out;
    private int at;

    Walker(TargetsScan s) {
      this.s = s;
      this.b = s.b;
      this.end = s.end;
    }

    /** The members of sorted targets {@code [from, to)} joined by commas, from {@code at}. */
    void canonical(byte[] out, int at, int from, int to) {
      this.out = out;
      this.at = at;
      for (int k = from; k < to; k++) {
        int t = s.sorted[k];
        if (k > from) {
          out[this.at++] = ',';
        }
        int start = this.at;
        out[this.at++] = '"';
        copy(s.nameFrom[t], s.nameTo[t]);
        out[this.at++] = '"';
        out[this.at++] = ':';
        item(s.itemFrom[t]);
        if (this.at - start != s.canonicalLength[t]) {
          throw new IllegalStateException("canonical size of target " + t);
        }
      }
    }

    /** {@code {"custom":c,"hashes":h,"length":n}}: the three keys in sorted order. */
    private void item(int p) {
      pos = p + 1;
      ws();
      skipPlain(); // "hashes"
      ws();
      pos++; // ':'
      ws();
      int hashes = pos;
      skipPlain();
      ws();
      pos++; // ','
      ws();
      skipPlain(); // "length"
      ws();
      pos++; // ':'
      ws();
      int length = pos;
      skipPlain();
      int lengthTo = pos;
      ws();
      int custom = -1;
      if (b[pos] == ',') {
        pos++;
        ws();
        skipPlain(); // "custom"
        ws();
        pos++; // ':'
        ws();
        custom = pos;
      }
      out[at++] = '{';
      if (custom >= 0) {
        put(CUSTOM_KEY);
        value(custom, 3);
        out[at++] = ',';
      }
      put(HASHES_KEY);
      value(hashes, 2);
      put(LENGTH_KEY);
      copy(length, lengthTo);
      out[at++] = '}';
    }

    private void put(byte[] bytes) {
      System.arraycopy(bytes, 0, out, at, bytes.length);
      at += bytes.length;
    }

    /** Writes the canonical form of the value at {@code p}; leaves {@link #pos} at its end. */
    private void value(int p, int depth) {
      pos = p;
      switch (b[p]) {
        case '{' -> {
          pos++;
          ws();
          int n = 0;
          int[] m = scratch(members, depth);
          while (b[pos] != '}') {
            int kf = pos + 1;
            skipPlain();
            int kt = pos - 1;
            ws();
            pos++; // ':'
            ws();
            int vf = pos;
            skipPlain();
            m = remember(members, m, depth, n, kf, kt, vf, pos);
            n++;
            ws();
            if (b[pos] == ',') {
              pos++;
              ws();
            }
          }
          int close = pos + 1;
          sortMembers(m, n);
          out[at++] = '{';
          for (int i = 0; i < n; i++) {
            if (i > 0) {
              out[at++] = ',';
            }
            copy(m[4 * i] - 1, m[4 * i + 1] + 1); // the key with its quotes (no escapes)
            out[at++] = ':';
            int vf = m[4 * i + 2];
            byte c = b[vf];
            if (c == '{' || c == '[') {
              value(vf, depth + 1);
            } else {
              copy(vf, m[4 * i + 3]); // a string, number or literal: its bytes, walked once
            }
          }
          out[at++] = '}';
          pos = close;
        }
        case '[' -> {
          pos++;
          ws();
          out[at++] = '[';
          boolean first = true;
          while (b[pos] != ']') {
            if (!first) {
              out[at++] = ',';
            }
            first = false;
            value(pos, depth + 1);
            ws();
            if (b[pos] == ',') {
              pos++;
              ws();
            }
          }
          out[at++] = ']';
          pos++;
        }
        default -> {
          skipPlain();
          copy(p, pos);
        }
      }
    }

    /** Insertion sort of members by key (objects in targets are small). */
    private void sortMembers(int[] m, int n) {
      for (int i = 1; i < n; i++) {
        int kf = m[4 * i];
        int kt = m[4 * i + 1];
        int vf = m[4 * i + 2];
        int vt = m[4 * i + 3];
        int j = i - 1;
        while (j >= 0 && s.compare(m[4 * j], m[4 * j + 1], kf, kt) > 0) {
          System.arraycopy(m, 4 * j, m, 4 * j + 4, 4);
          j--;
        }
        m[4 * j + 4] = kf;
        m[4 * j + 5] = kt;
        m[4 * j + 6] = vf;
        m[4 * j + 7] = vt;
      }
    }

    /** The value at {@link #pos}, its lines indented for {@code level}. */
    void pretty(Pretty p, int level) throws IOException {
      byte c = b[pos];
      if (c == '{' || c == '[') {
        byte close = c == '{' ? (byte) '}' : (byte) ']';
        pos++;
        ws();
        p.put(c);
        if (b[pos] == close) {
          pos++;
          p.put((byte) ' ');
          p.put(close);
          return;
        }
        boolean first = true;
        while (b[pos] != close) {
          if (!first) {
            p.put((byte) ',');
          }
          first = false;
          p.indent(level + 1);
          if (c == '{') {
            int kf = pos;
            skipPlain();
            p.put(b, kf, pos);
            ws();
            pos++; // ':'
            ws();
            p.put(SEPARATOR, 0, SEPARATOR.length);
          }
          pretty(p, level + 1);
          ws();
          if (b[pos] == ',') {
            pos++;
            ws();
          }
        }
        pos++;
        p.indent(level);
        p.put(close);
        return;
      }
      int from = pos;
      skipPlain();
      p.put(b, from, pos);
    }

    private void ws() {
      byte[] b = this.b;
      int end = this.end;
      int p = pos;
      while (p < end) {
        byte c = b[p];
        if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t')) {
          break;
        }
        p++;
      }
      pos = p;
    }

    /** Skips a value (strings have no escapes). */
    private void skipPlain() {
      byte[] b = this.b;
      int p = pos;
      switch (b[p]) {
        case '"' -> {
          p++;
          while (b[p] != '"') {
            p++;
          }
          p++;
        }
        case '{', '[' -> {
          int level = 0;
          do {
            byte c = b[p++];
            if (c == '"') {
              while (b[p] != '"') {
                p++;
              }
              p++;
            } else if (c == '{' || c == '[') {
              level++;
            } else if (c == '}' || c == ']') {
              level--;
            }
          } while (level > 0);
        }
        default -> {
          int end = this.end;
          while (p < end) {
            byte c = b[p];
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r'
                || c == '\t') {
              break;
            }
            p++;
          }
        }
      }
      pos = p;
    }

    private void copy(int from, int to) {
      System.arraycopy(b, from, out, at, to - from);
      at += to - from;
    }
  }

  private static final byte[] CUSTOM_KEY = ascii("\"custom\":");
  private static final byte[] HASHES_KEY = ascii("\"hashes\":");
  private static final byte[] LENGTH_KEY = ascii(",\"length\":");

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** A line break and the indentation of the levels that targets have (up to 15). */
  private static final byte[] LINE_BREAK = ascii("\n" + " ".repeat(30));

  /** A buffered sink with line breaks and indentation. */
  private static final class Pretty {
    private final OutputStream sink;
    private final byte[] buf = new byte[1 << 16];
    private int n;

    Pretty(OutputStream sink) {
      this.sink = sink;
    }

    void put(byte c) throws IOException {
      if (n == buf.length) {
        flush();
      }
      buf[n++] = c;
    }

    void put(byte[] src, int from, int to) throws IOException {
      int len = to - from;
      if (len > buf.length - n) {
        flush();
        if (len > buf.length) {
          sink.write(src, from, len);
          return;
        }
      }
      System.arraycopy(src, from, buf, n, len);
      n += len;
    }

    void indent(int level) throws IOException {
      int len = 2 * level + 1;
      if (len > buf.length - n) {
        flush();
      }
      if (len <= LINE_BREAK.length) {
        System.arraycopy(LINE_BREAK, 0, buf, n, len);
        n += len;
        return;
      }
      buf[n++] = '\n';
      for (int i = 1; i < len; i++) {
        buf[n++] = ' ';
      }
    }

    void flush() throws IOException {
      sink.write(buf, 0, n);
      n = 0;
    }
  }
}
