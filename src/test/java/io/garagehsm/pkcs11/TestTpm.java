package io.garagehsm.pkcs11;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A software TPM 2.0 for one test class: its own swtpm on free loopback ports, its own state and
 * tpm2-pkcs11 store folders under {@code ${garagehsm.tpm.dir}/<name>}, optionally behind tpm2-abrmd
 * on a private D-Bus session bus, all stopped by pid in {@link #close()}.
 *
 * <p>tpm2-pkcs11 reads {@code TPM2_PKCS11_TCTI}/{@code TPM2_PKCS11_STORE} with getenv in
 * C_Initialize, and a JVM cannot change its own environment, so {@link #exportToThisProcess()} sets
 * them in the C environment (libc setenv). It must run before the module is first loaded in the
 * JVM; the TPM test classes run in a JVM each. Missing packages or a TPM that does not start fail
 * the test (never skip).
 */
public final class TestTpm implements AutoCloseable {

  /** The Debian tpm2-pkcs11 module. */
  public static final Path MODULE = Path.of("/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so");

  /** The same user PIN as the SoftHSM2 test tokens: one --pin-file serves both modules in a run. */
  public static final String USER_PIN = TestTokens.USER_PIN;

  public static final String SO_PIN = "0815-tpm-so";

  private static final String INSTALL_HINT =
      "the TPM suite needs swtpm, swtpm-tools, libtpm2-pkcs11-1, libtss2-tcti-swtpm0,"
          + " libtss2-tcti-tabrmd0, tpm2-tools, tpm2-abrmd and dbus-daemon: run"
          + " scripts/install-deps.sh";

  /** How the module reaches the TPM. */
  public enum Access {
    /** The swtpm TCTI straight to the simulator (no resource manager). */
    DIRECT,
    /** Through tpm2-abrmd, the resource manager real systems run, on a private session bus. */
    ABRMD
  }

  private interface CLibrary extends Library {
    int setenv(String name, String value, int overwrite);
  }

  private final String name;
  private final Access access;
  private final Path dir;
  private final int port;
  private final List<Long> pids = new ArrayList<>();
  private Process abrmd;
  private final Map<String, String> env = new LinkedHashMap<>();

  private TestTpm(String name, Access access, Path dir, int port) {
    this.name = name;
    this.access = access;
    this.dir = dir;
    this.port = port;
  }

  /** The folder of all TPM test state (target/tpm). */
  public static Path baseDir() {
    String configured = System.getProperty("garagehsm.tpm.dir");
    return Path.of(configured != null ? configured : "target/tpm").toAbsolutePath();
  }

  /** Starts a fresh TPM (previous state of this name is deleted). */
  public static TestTpm start(String name, Access access) {
    requireInstalled(access);
    Path dir = baseDir().resolve(name);
    AssertionError last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      deleteTree(dir);
      try {
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("store"));
      } catch (IOException e) {
        throw new AssertionError("cannot create " + dir, e);
      }
      int[] ports = freePortPair();
      TestTpm tpm = new TestTpm(name, access, dir, ports[0]);
      try {
        tpm.startSwtpm(ports[1]);
        if (access == Access.ABRMD) {
          tpm.startAbrmd();
        }
        tpm.env.put("TPM2_PKCS11_STORE", dir.resolve("store").toString());
        tpm.env.put("TPM2_PKCS11_TCTI", tpm.tcti());
        tpm.env.put("TPM2TOOLS_TCTI", tpm.tcti());
        // tpm2-tss logs every TPM error to stderr; tests assert on garage-hsm's own stderr.
        tpm.env.put("TSS2_LOG", System.getProperty("tss2log", "all+NONE"));
        tpm.tpm2("tpm2_getcap", "properties-fixed");
        return tpm;
      } catch (AssertionError e) {
        tpm.close();
        last = e;
      }
    }
    throw new AssertionError("swtpm did not start (3 attempts). " + INSTALL_HINT, last);
  }

  /** The TCTI configuration string the module and tpm2-tools use. */
  public String tcti() {
    return access == Access.DIRECT
        ? "swtpm:host=127.0.0.1,port=" + port
        : "tabrmd:bus_type=session";
  }

  public Access access() {
    return access;
  }

  /** Environment for child processes (pkcs11-tool, tpm2-tools, the CLI jar). */
  public Map<String, String> environment() {
    return Map.copyOf(env);
  }

  /** Sets this TPM's variables in this JVM's C environment, for the module loaded in-process. */
  public TestTpm exportToThisProcess() {
    return exportToThisProcess(Map.of());
  }

  /**
   * Sets this TPM's variables and {@code extra} ones (e.g. the logging shim's) in this JVM's C
   * environment, before the module is first loaded.
   */
  public TestTpm exportToThisProcess(Map<String, String> extra) {
    CLibrary libc = Native.load("c", CLibrary.class);
    Map<String, String> all = new LinkedHashMap<>(env);
    all.putAll(extra);
    for (Map.Entry<String, String> e : all.entrySet()) {
      if (libc.setenv(e.getKey(), e.getValue(), 1) != 0) {
        throw new AssertionError("setenv " + e.getKey() + " failed");
      }
    }
    return this;
  }

  private void startSwtpm(int ctrlPort) {
    // In the foreground as a child of this JVM (output to a log file): a --daemon swtpm
    // started from Java died as soon as its parent's pipes closed.
    ProcessBuilder pb =
        new ProcessBuilder(
                "swtpm",
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + dir.resolve("state"),
                "--server",
                "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                "--ctrl",
                "type=tcp,port=" + ctrlPort + ",bindaddr=127.0.0.1",
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("swtpm.log").toFile());
    Process swtpm;
    try {
      swtpm = pb.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start swtpm. " + INSTALL_HINT, e);
    }
    pids.add(swtpm.pid());
    waitForPort(port, swtpm);
  }

  private void startAbrmd() {
    Path bus = dir.resolve("bus");
    String out =
        run(
            List.of(
                "dbus-daemon",
                "--session",
                "--address=unix:path=" + bus,
                "--fork",
                "--print-pid",
                "--nopidfile"),
            false,
            Map.of());
    pids.add(Long.parseLong(out.strip().lines().findFirst().orElse("").strip()));
    env.put("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + bus);
    List<String> command = new ArrayList<>(List.of("tpm2-abrmd", "--session"));
    if ("root".equals(System.getProperty("user.name"))) {
      command.add("--allow-root");
    }
    command.add("--tcti=swtpm:host=127.0.0.1,port=" + port);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("abrmd.log").toFile());
    pb.environment().put("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + bus);
    try {
      abrmd = pb.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start tpm2-abrmd. " + INSTALL_HINT, e);
    }
    pids.add(abrmd.pid());
    // abrmd claims its bus name asynchronously: wait until tpm2-tools get through it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Map<String, String> via =
        Map.of(
            "TPM2TOOLS_TCTI", "tabrmd:bus_type=session",
            "DBUS_SESSION_BUS_ADDRESS", "unix:path=" + bus,
            "TSS2_LOG", "all+NONE");
    while (true) {
      if (!abrmd.isAlive()) {
        throw new AssertionError("tpm2-abrmd exited: " + readQuietly(dir.resolve("abrmd.log")));
      }
      ProcessResult r = runResult(List.of("tpm2_getcap", "properties-fixed"), via);
      if (r.exit() == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("tpm2-abrmd does not answer: " + r.output());
      }
      sleep(100);
    }
  }

  /**
   * Initialises a token in the free slot (C_InitToken, then C_InitPIN) with the test PINs; returns
   * a {@link TestTokens.TestToken} whose PIN file holds {@link #USER_PIN}.
   */
  public TestTokens.TestToken initToken(String label) {
    String slots = pkcs11ToolRaw("-L");
    Matcher m =
        Pattern.compile("Slot (\\d+) \\(0x[0-9a-f]+\\):[^\\n]*\\n\\s+token state:\\s+uninitialized")
            .matcher(slots);
    if (!m.find()) {
      throw new AssertionError("no free TPM slot:\n" + slots);
    }
    pkcs11ToolRaw("--init-token", "--slot-index", m.group(1), "--label", label, "--so-pin", SO_PIN);
    pkcs11ToolRaw(
        "--token-label",
        label,
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        SO_PIN,
        "--init-pin",
        "--pin",
        USER_PIN);
    Path pinFile = dir.resolve("pins").resolve(label + ".pin");
    try {
      Files.createDirectories(pinFile.getParent());
      Files.deleteIfExists(pinFile);
      Files.createFile(
          pinFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(pinFile, USER_PIN + "\n");
    } catch (IOException e) {
      throw new AssertionError("cannot write " + pinFile, e);
    }
    Pkcs11Uri uri = Pkcs11Uri.forToken(label).withQuery("module-path", MODULE.toString());
    return new TestTokens.TestToken(label, uri, pinFile, MODULE);
  }

  /** OpenSC's pkcs11-tool on a token of this TPM, logged in with the user PIN. */
  public String pkcs11Tool(String label, String... args) {
    List<String> a = new ArrayList<>(List.of("--token-label", label, "--login", "--pin", USER_PIN));
    a.addAll(List.of(args));
    return pkcs11ToolRaw(a.toArray(String[]::new));
  }

  /** pkcs11-tool on this TPM's module, without login. */
  public String pkcs11ToolRaw(String... args) {
    List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString()));
    command.addAll(List.of(args));
    return run(command, false, env);
  }

  /** pkcs11-tool that may fail; returns exit code and output. */
  public ProcessResult pkcs11ToolResult(String... args) {
    List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString()));
    command.addAll(List.of(args));
    return runResult(command, env);
  }

  /** A tpm2-tools command against this TPM. */
  public String tpm2(String... command) {
    return run(List.of(command), false, env);
  }

  /** The transient objects loaded in the TPM now ({@code tpm2_getcap handles-transient}). */
  public List<String> transientHandles() {
    List<String> handles = new ArrayList<>();
    for (String line : tpm2("tpm2_getcap", "handles-transient").lines().toList()) {
      String t = line.strip();
      if (t.startsWith("- 0x")) {
        handles.add(t.substring(2));
      }
    }
    return handles;
  }

  /** Flushes every transient object ({@code tpm2_flushcontext -t}), freeing the TPM's slots. */
  public void flushTransientObjects() {
    tpm2("tpm2_flushcontext", "-t");
  }

  /** TPM2_PT_LOCKOUT_COUNTER: failed authorisations counted by the dictionary-attack logic. */
  public int lockoutCounter() {
    return variableProperty("TPM2_PT_LOCKOUT_COUNTER");
  }

  /** Whether the TPM is in dictionary-attack lockout ({@code inLockout}). */
  public boolean inLockout() {
    Matcher m =
        Pattern.compile("inLockout:\\s+(\\d+)").matcher(tpm2("tpm2_getcap", "properties-variable"));
    if (!m.find()) {
      throw new AssertionError("tpm2_getcap shows no inLockout");
    }
    return !m.group(1).equals("0");
  }

  private int variableProperty(String property) {
    String out = tpm2("tpm2_getcap", "properties-variable");
    Matcher m = Pattern.compile(property + ":\\s+0x([0-9A-Fa-f]+)").matcher(out);
    if (!m.find()) {
      throw new AssertionError("tpm2_getcap shows no " + property + ":\n" + out);
    }
    return Integer.parseInt(m.group(1), 16);
  }

  /** Resets the dictionary-attack counter (the lockout hierarchy has no password here). */
  public void clearLockout() {
    tpm2("tpm2_dictionarylockout", "--clear-lockout");
  }

  @Override
  public void close() {
    if (abrmd != null) {
      abrmd.destroy();
      try {
        abrmd.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
    for (long pid : pids) {
      ProcessHandle.of(pid)
          .ifPresent(
              h -> {
                try {
                  h.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                  h.destroyForcibly();
                }
              });
    }
    pids.clear();
  }

  @Override
  public String toString() {
    return "swtpm '" + name + "' on 127.0.0.1:" + port + " (" + access + ")";
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Exit code and combined output of a child process. */
  public record ProcessResult(int exit, String output) {}

  private static void requireInstalled(Access access) {
    List<Path> files =
        new ArrayList<>(
            List.of(
                MODULE,
                Path.of("/usr/bin/swtpm"),
                Path.of("/usr/bin/pkcs11-tool"),
                Path.of("/usr/bin/tpm2_getcap"),
                Path.of("/usr/bin/tpm2_dictionarylockout"),
                Path.of("/usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0")));
    if (access == Access.ABRMD) {
      files.add(Path.of("/usr/sbin/tpm2-abrmd"));
      files.add(Path.of("/usr/bin/dbus-daemon"));
      files.add(Path.of("/usr/lib/x86_64-linux-gnu/libtss2-tcti-tabrmd.so.0"));
    }
    for (Path f : files) {
      if (!Files.exists(f)) {
        throw new AssertionError(f + " is missing: " + INSTALL_HINT);
      }
    }
  }

  /** Two consecutive free ports: the swtpm TCTI always expects the control port at port+1. */
  private static int[] freePortPair() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = a.getLocalPort();
        if (p >= 65535) {
          continue;
        }
        try (ServerSocket b = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
          return new int[] {p, p + 1};
        } catch (IOException taken) {
          // p+1 in use: try another pair
        }
      } catch (IOException e) {
        throw new AssertionError("no free port", e);
      }
    }
    throw new AssertionError("no two consecutive free ports on 127.0.0.1");
  }

  private void waitForPort(int port, Process swtpm) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      if (!swtpm.isAlive()) {
        throw new AssertionError("swtpm exited: " + readQuietly(dir.resolve("swtpm.log")));
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("swtpm does not listen on port " + port, e);
        }
        sleep(50);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot delete " + dir, e);
    }
  }

  private static String run(List<String> command, boolean mayFail, Map<String, String> env) {
    ProcessResult r = runResult(command, env);
    if (r.exit() != 0 && !mayFail) {
      throw new AssertionError(
          String.join(" ", command).replace(USER_PIN, "***").replace(SO_PIN, "***")
              + " failed ("
              + r.exit()
              + "): "
              + r.output());
    }
    return r.output();
  }

  static ProcessResult runResult(List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command.get(0) + " timed out");
      }
      return new ProcessResult(p.exitValue(), output);
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run " + command.get(0) + " (" + e.getMessage() + "). " + INSTALL_HINT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
