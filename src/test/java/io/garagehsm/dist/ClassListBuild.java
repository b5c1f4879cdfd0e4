package io.garagehsm.dist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step, not a test (the pom runs it in {@code package}, after ClassFileUpgrade): runs the
 * shaded jar's common commands (those of scripts/bench-startup.sh, on copies of the golden-vector
 * repositories) in child JVMs with {@code -Xlog:class+load}, and adds the names of the classes they
 * loaded to the jar as {@value #ENTRY}. The launcher's archive-recording run loads them at its end
 * (cli/ArchiveTraining), so that the class-data sharing archive serves every common command
 * whichever ran first. Token commands are not run (no token in a build): the classes of the token
 * path are listed by name, every class of {@link #BY_NAME} in the jar.
 *
 * <pre>ClassListBuild JAR VECTORS</pre>
 *
 * Only named classes from the JDK's runtime image, its CDS archive or the jar are listed (no
 * lambda, proxy or other generated class: they have no name to load; nothing the JVM loads before
 * the jar's main class), sorted, so the same jar gives the same list and the same bytes
 * (scripts/check-reproducible.sh). What the commands load must not depend on thread timing: the
 * runs pass {@code -Dgarage-hsm.archive-training=build}, so CryptoPreload's set-up runs alone
 * before the command and every security provider is instantiated at the end (cli/ArchiveTraining),
 * and they run without the JDK's CDS archive. The list is the build JDK's (17 for the release): a
 * later Java skips the names it lacks when it loads the list. The jar is rewritten like
 * ClassFileUpgrade does it: every entry in the same order, then the list, which has the time of the
 * jar's first entry (the build's fixed timestamp).
 */
public final class ClassListBuild {
  /** The list's place in the jar (beside cli/ArchiveTraining, which reads it). */
  static final String ENTRY = "io/garagehsm/cli/archive-classes.txt";

  /** cli/ArchiveTraining's system property. */
  static final String TRAINING_PROPERTY = "garage-hsm.archive-training";

  /**
   * Jar folders whose classes are listed by name: the token path (ours, the PIN's, the PKCS#11
   * wrapper's), which the build cannot run.
   */
  static final List<String> BY_NAME =
      List.of(
          "io/garagehsm/pkcs11/",
          "io/garagehsm/repo/", // TokenReference: a key's .pkcs11 file
          "io/garagehsm/secret/",
          "io/garagehsm/signing/",
          "org/xipki/pkcs11/",
          "iaik/pkcs/");

  /**
   * The JDK classes a token command ({@code targets sign} with a SoftHSM2 key, JDK 17) loads beyond
   * the commands the build runs: the wrapper's native library unpacked to a temporary file, sorted
   * streams, zoned times. A name another JDK lacks is skipped when loaded.
   */
  static final List<String> TOKEN_PATH_JDK =
      List.of(
          "java.io.DeleteOnExitHook",
          "java.io.DeleteOnExitHook$1",
          "java.io.File$TempDirectory",
          "java.nio.file.attribute.FileTime$1",
          "java.time.Instant$1",
          "java.time.ZonedDateTime",
          "java.time.chrono.ChronoZonedDateTime",
          "java.util.ImmutableCollections$Access",
          "java.util.ImmutableCollections$Access$1",
          "java.util.LinkedList$ListItr",
          "java.util.concurrent.atomic.AtomicBoolean",
          "java.util.stream.AbstractSpinedBuffer",
          "java.util.stream.Node",
          "java.util.stream.Node$Builder",
          "java.util.stream.Node$OfDouble",
          "java.util.stream.Node$OfInt",
          "java.util.stream.Node$OfLong",
          "java.util.stream.Node$OfPrimitive",
          "java.util.stream.Nodes",
          "java.util.stream.Nodes$EmptyNode",
          "java.util.stream.Nodes$EmptyNode$OfDouble",
          "java.util.stream.Nodes$EmptyNode$OfInt",
          "java.util.stream.Nodes$EmptyNode$OfLong",
          "java.util.stream.Nodes$EmptyNode$OfRef",
          "java.util.stream.Nodes$SpinedNodeBuilder",
          "java.util.stream.SortedOps",
          "java.util.stream.SortedOps$AbstractRefSortingSink",
          "java.util.stream.SortedOps$OfRef",
          "java.util.stream.SortedOps$RefSortingSink",
          "java.util.stream.SpinedBuffer",
          "jdk.internal.access.JavaUtilCollectionAccess",
          "sun.nio.cs.ThreadLocalCoders",
          "sun.nio.cs.ThreadLocalCoders$1",
          "sun.nio.cs.ThreadLocalCoders$2",
          "sun.nio.cs.ThreadLocalCoders$Cache");

  private ClassListBuild() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: ClassListBuild JAR VECTORS");
    }
    Path jar = Path.of(args[0]).toAbsolutePath();
    Path vectors = Path.of(args[1]).toAbsolutePath();
    SortedSet<String> names = new TreeSet<>(loadedByCommands(jar, vectors));
    names.addAll(jarClasses(jar, BY_NAME));
    names.addAll(TOKEN_PATH_JDK);
    addToJar(jar, names);
    System.out.println("class-list: " + names.size() + " classes listed in " + jar + " " + ENTRY);
  }

  /** The bench's offline commands, as arguments ({@code %v}: vectors, {@code %h}: the home). */
  static final List<String> COMMANDS =
      List.of(
          "--version",
          "sign-json -k %v/keys/ed25519.sec -p %v/keys/ed25519.pub -i %v/sign-json/input.json",
          "sign-json -k %v/keys/rsa2048.sec -p %v/keys/rsa2048.pub -i %v/sign-json/input.json",
          "verify-json -p %v/keys/ed25519.pub -i %v/sign-json/signed-ed25519.json",
          "targets add -r flow --name list --version 1 --length 3 --sha256 "
              + "bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f"
              + " --hardwareids board --home-dir %h",
          // an expiry from the build's date: the vectors' own expire (targets 2026-12-27), and
          // signing an expired role is refused
          "targets sign -r flow --key-name targets --expire-after 1Y --home-dir %h",
          "root sign -r rot -k root-old -k root-new --expire-after 1Y --home-dir %h",
          "user-keys id -i %v/keys/ed25519.pub");

  /** The named classes the commands loaded (each run in its own JVM, as the launcher runs it). */
  static SortedSet<String> loadedByCommands(Path jar, Path vectors)
      throws IOException, InterruptedException {
    Path work = Files.createTempDirectory(jar.getParent(), "class-list.");
    try {
      Path home = work.resolve("home");
      copyTree(vectors.resolve("repo-flow/tuf/myrepo"), home.resolve("flow"));
      copyTree(vectors.resolve("root-rotation/tuf/myrepo"), home.resolve("rot"));
      Files.copy(home.resolve("flow/config.json"), home.resolve("rot/config.json"));
      SortedSet<String> names = new TreeSet<>();
      int i = 0;
      for (String command : COMMANDS) {
        Path log = work.resolve("classes-" + i++ + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // as the launcher runs a command (its defaults), but without the JDK's CDS archive:
        // whether that maps (address space layout) must not change what is listed
        cmd.addAll(
            List.of(
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-XX:PretenureSizeThreshold=1m",
                "-Xshare:off",
                // waits for CryptoPreload's thread before the exit (the list must not depend on
                // thread timing), and loads no list an older build put in the jar
                "-D" + TRAINING_PROPERTY + "=build",
                "-Xlog:class+load=info:file=" + log + ":none",
                "-jar",
                jar.toString()));
        for (String a : command.split(" ")) {
          cmd.add(a.replace("%v", vectors.toString()).replace("%h", home.toString()));
        }
        run(cmd, work);
        names.addAll(named(Files.readAllLines(log, StandardCharsets.UTF_8)));
      }
      return names;
    } finally {
      deleteTree(work);
    }
  }

  private static void run(List<String> cmd, Path work) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    // the same environment whoever builds: no user settings, UTC, a home of its own
    Map<String, String> env = pb.environment();
    String path = env.get("PATH");
    env.clear();
    env.put("PATH", path == null ? "/usr/bin:/bin" : path);
    env.put("HOME", work.toString());
    env.put("TZ", "UTC");
    env.put("LC_ALL", "C.UTF-8");
    Path out = work.resolve("out.txt");
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("class-list: timed out: " + String.join(" ", cmd));
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "class-list: exit "
              + p.exitValue()
              + ": "
              + String.join(" ", cmd)
              + "\n"
              + Files.readString(out, StandardCharsets.UTF_8));
    }
  }

  /** The jar's main class: what the JVM loaded before it, every run loads anyway. */
  static final String MAIN = "io.garagehsm.cli.Main";

  /**
   * The names in {@code -Xlog:class+load} lines ({@code NAME source: SOURCE}) of classes from the
   * JDK's CDS archive, its runtime image or a jar, from the jar's main class on: not generated ones
   * (lambdas, proxies, method handles, reflection accessors), which cannot be loaded by name, and
   * not the JVM's own start-up (which differs with and without the JDK's archive).
   */
  static SortedSet<String> named(List<String> logLines) {
    SortedSet<String> names = new TreeSet<>();
    boolean started = false;
    for (String line : logLines) {
      int at = line.indexOf(" source: ");
      if (at <= 0) {
        continue;
      }
      String name = line.substring(0, at).strip();
      started = started || name.equals(MAIN);
      if (!started) {
        continue;
      }
      String source = line.substring(at + " source: ".length());
      boolean fromFile =
          source.equals("shared objects file")
              || source.startsWith("jrt:/")
              || (source.startsWith("file:") && source.endsWith(".jar"));
      if (fromFile && !name.contains("/") && !name.contains("$$Lambda") && isBinaryName(name)) {
        names.add(name);
      }
    }
    return names;
  }

  private static boolean isBinaryName(String name) {
    for (String part : name.split("\\.", -1)) {
      if (part.isEmpty() || !Character.isJavaIdentifierStart(part.codePointAt(0))) {
        return false;
      }
      if (!part.codePoints().allMatch(Character::isJavaIdentifierPart)) {
        return false;
      }
    }
    return true;
  }

  /** Binary names of the jar's classes under the given folders. */
  static SortedSet<String> jarClasses(Path jar, List<String> folders) throws IOException {
    SortedSet<String> names = new TreeSet<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry e : Collections.list(zip.entries())) {
        String n = e.getName();
        if (n.endsWith(".class")
            && !n.endsWith("module-info.class")
            && !n.endsWith("package-info.class")
            && folders.stream().anyMatch(n::startsWith)) {
          names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
        }
      }
    }
    return names;
  }

  /** Rewrites {@code jar} with the list as {@link #ENTRY} (replacing one there already). */
  static void addToJar(Path jar, SortedSet<String> names) throws IOException {
    byte[] list = (String.join("\n", names) + "\n").getBytes(StandardCharsets.UTF_8);
    Path tmp = jar.resolveSibling(jar.getFileName() + ".class-list.tmp");
    try {
      try (ZipFile zip = new ZipFile(jar.toFile());
          OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zo = new ZipOutputStream(out)) {
        long time = -1;
        for (ZipEntry e : Collections.list(zip.entries())) {
          if (time == -1) {
            time = e.getTime();
          }
          if (e.getName().equals(ENTRY)) {
            continue;
          }
          ZipEntry copy = new ZipEntry(e.getName());
          copy.setTime(e.getTime());
          copy.setExtra(e.getExtra());
          copy.setComment(e.getComment());
          copy.setMethod(e.getMethod());
          byte[] data = read(zip, e);
          if (e.getMethod() == ZipEntry.STORED) {
            stored(copy, data);
          }
          zo.putNextEntry(copy);
          zo.write(data);
          zo.closeEntry();
        }
        ZipEntry entry = new ZipEntry(ENTRY);
        entry.setTime(time == -1 ? 0 : time);
        zo.putNextEntry(entry);
        zo.write(list);
        zo.closeEntry();
        zo.setComment(zip.getComment());
      }
      Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void stored(ZipEntry e, byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    e.setCrc(crc.getValue());
  }

  private static byte[] read(ZipFile zip, ZipEntry e) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toByteArray();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
