package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as users run it ({@code java -jar garage-hsm-*-cli.jar}), in a subprocess with no
 * native library on {@code java.library.path}: the IAIK wrapper's JNI library loads from inside the
 * jar, a token key is generated and signs, and nothing of the wrapper's logging reaches stdout
 * (which must stay parseable JSON). Runs in the {@code integration-test} phase, after packaging.
 */
class ShadedJarIT {
  @TempDir Path tmp;

  record Proc(int exit, String out, String err) {}

  @Test
  void theShadedJarLoadsTheWrapperAndSignsWithATokenKeyKeepingStdoutClean() throws Exception {
    String jarProp = System.getProperty("garagehsm.cli.jar");
    assertTrue(jarProp != null, "run through Maven: the garagehsm.cli.jar property is not set");
    Path jar = Path.of(jarProp);
    assertTrue(Files.isRegularFile(jar), jar + " missing: run 'package' first");

    TestToken token = TestTokens.create("jar-cli");
    Path home = tmp.resolve("home");
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path natives = Files.createDirectories(tmp.resolve("native"));

    Proc gen =
        run(
            jar,
            natives,
            "key",
            "generate",
            "-r",
            "myrepo",
            "-n",
            "jk",
            "--token",
            token.uri().toString(),
            "--pin-file",
            token.pinFile().toString(),
            "-h",
            home.toString());
    assertEquals(0, gen.exit(), gen.toString());
    // stdout carries results only: the new key's ID
    assertTrue(gen.out().matches("[0-9a-f]{64}\n"), gen.out());
    assertTrue(gen.err().contains("Generated Ed25519 key 'jk' on the token"), gen.err());
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(home.resolve("myrepo/keys/jk.pub"))),
        "public files are 0644 whatever the umask");
    // java.library.path names an empty folder, so System.loadLibrary("pkcs11wrapper") fails and
    // the wrapper must have loaded its bundled copy from the jar (extracted into PKCS11_TEMP_DIR,
    // then deleted); it also cleans up after itself:
    try (Stream<Path> s = Files.list(natives)) {
      assertEquals(List.of(), s.toList(), "extracted copies are removed");
    }

    Proc sign =
        run(
            jar,
            natives,
            "targets",
            "sign",
            "-r",
            "myrepo",
            "--key-name",
            "jk",
            "--expire-after",
            "1Y",
            "--pin-file",
            token.pinFile().toString(),
            "-h",
            home.toString());
    assertEquals(0, sign.exit(), sign.toString());
    assertEquals("", sign.out());
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(home.resolve("myrepo/roles/targets.json"))));
    JsonNode t = Cli.readJson(home.resolve("myrepo/roles/targets.json"));
    String id = Cli.readJson(home.resolve("myrepo/keys/jk.pkcs11")).get("keyid").asText();
    ObjectNode root = Cli.JSON.createObjectNode();
    root.putObject("keys").set(id, Cli.readJson(home.resolve("myrepo/keys/jk.pub")));
    ObjectNode role = root.putObject("roles").putObject("targets");
    role.putArray("keyids").add(id);
    role.put("threshold", 1);
    AktualizrVerifier.Result v = AktualizrVerifier.verifyTargets(t, root);
    assertTrue(v.ok(), v.reason());

    // stdout with data: the whole of it must parse as one JSON document
    Proc list = run(jar, natives, "tokens", "list", "--token", token.uri().toString(), "--json");
    assertEquals(0, list.exit(), list.toString());
    JsonNode listed = Cli.parse(list.out());
    assertEquals("jar-cli", listed.get("tokens").get(0).get("label").asText(), list.out());
    Proc signJson =
        run(
            jar,
            natives,
            "sign-json",
            "-k",
            home.resolve("myrepo/keys/jk.pkcs11").toString(),
            "-p",
            home.resolve("myrepo/keys/jk.pub").toString(),
            "-i",
            home.resolve("myrepo/roles/unsigned/targets.json").toString(),
            "--pin-file",
            token.pinFile().toString());
    assertEquals(0, signJson.exit(), signJson.toString());
    assertEquals(id, Cli.parse(signJson.out()).get("signatures").get(0).get("keyid").asText());

    for (Proc p : List.of(gen, sign, list, signJson)) {
      assertFalse(p.out().contains("[INFO]"), p.out());
      assertFalse(p.err().contains("[INFO]"), "wrapper log lines: " + p.err());
      assertFalse(p.out().contains(TestTokens.USER_PIN) || p.err().contains(TestTokens.USER_PIN));
      assertFalse(p.err().contains("Exception"), p.err());
    }
  }

  /**
   * The build rewrote picocli's Java 5 class files as Java 8 ones (ClassFileUpgrade), so the
   * launcher's class-data sharing archive holds them; no class file older than Java 6 is left.
   */
  @Test
  void noClassFileInTheShadedJarIsOlderThanJava6() throws Exception {
    Path jar = Path.of(System.getProperty("garagehsm.cli.jar"));
    int picocli = 0;
    List<String> old = new ArrayList<>();
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
      for (java.util.zip.ZipEntry e : java.util.Collections.list(z.entries())) {
        if (!e.getName().endsWith(".class")) {
          continue;
        }
        byte[] head;
        try (java.io.InputStream in = z.getInputStream(e)) {
          head = in.readNBytes(8);
        }
        int major = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
        if (major < 50) {
          old.add(e.getName() + " (" + major + ")");
        }
        if (e.getName().startsWith("picocli/")) {
          assertEquals(52, major, e.getName());
          picocli++;
        }
      }
    }
    assertEquals(List.of(), old);
    assertTrue(picocli > 100, "picocli's classes in the jar: " + picocli);
  }

  /**
   * Every JDK installed beside the one running the tests (here OpenJDK 17 and Temurin 25): the jar
   * loads the wrapper, signs with a token key, and prints no native-access warning (JDK 24+ warn
   * about JNI unless the manifest's Enable-Native-Access covers it).
   */
  @Test
  void everyInstalledJdkSignsWithATokenKeyWithoutNativeAccessWarnings() throws Exception {
    Path jar = Path.of(System.getProperty("garagehsm.cli.jar"));
    TestToken token = TestTokens.create("jar-jdks");
    List<Path> javas = installedJavas();
    assertFalse(javas.isEmpty(), "no JDK found");
    int i = 0;
    for (Path java : javas) {
      Path home = tmp.resolve("jdk" + i);
      Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
      Path natives = Files.createDirectories(tmp.resolve("native" + i));
      String name = "k" + i++;
      Proc gen =
          run(
              java,
              jar,
              natives,
              "key",
              "generate",
              "-r",
              "myrepo",
              "-n",
              name,
              "--token",
              token.uri().toString(),
              "--pin-file",
              token.pinFile().toString(),
              "-h",
              home.toString());
      Proc sign =
          run(
              java,
              jar,
              natives,
              "targets",
              "sign",
              "-r",
              "myrepo",
              "--key-name",
              name,
              "--expire-after",
              "1Y",
              "--pin-file",
              token.pinFile().toString(),
              "-h",
              home.toString());
      assertTrue(gen.out().matches("[0-9a-f]{64}\n"), java + ": " + gen);
      assertEquals("", sign.out(), java + ": " + sign);
      for (Proc p : List.of(gen, sign)) {
        assertEquals(0, p.exit(), java + ": " + p);
        assertFalse(p.err().contains("WARNING"), java + " warns: " + p.err());
      }
    }
  }

  private static final Pattern JAVA_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

  /** JDKs 17+ under /usr/lib/jvm, plus the running one, each once. */
  private static List<Path> installedJavas() throws IOException {
    Set<Path> seen = new LinkedHashSet<>();
    seen.add(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> s = Files.list(jvms)) {
        for (Path d : s.sorted().toList()) {
          Path bin = d.resolve("bin/java");
          if (Files.isExecutable(bin) && Files.exists(d.resolve("release"))) {
            Matcher m = JAVA_VERSION.matcher(Files.readString(d.resolve("release")));
            if (m.find() && Integer.parseInt(m.group(1)) >= 17) {
              seen.add(bin.toRealPath());
            }
          }
        }
      }
    }
    return List.copyOf(seen);
  }

  private static Proc run(Path jar, Path natives, String... args)
      throws IOException, InterruptedException {
    return run(Path.of(System.getProperty("java.home"), "bin", "java"), jar, natives, args);
  }

  private static Proc run(Path java, Path jar, Path natives, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    // a strict umask, as on hardened ceremony machines: garage-sign's file modes must not follow it
    cmd.addAll(List.of("/bin/sh", "-c", "umask 077; exec \"$@\"", "sh"));
    cmd.add(java.toString());
    cmd.add("-Djava.library.path=" + Files.createDirectories(natives.resolveSibling("nolibs")));
    cmd.add("-DPKCS11_TEMP_DIR=" + natives);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SOFTHSM2_CONF", TestTokens.configFile().toString());
    pb.environment().remove("GARAGE_HSM_PIN");
    Path out = Files.createTempFile(natives.getParent(), "out", ".txt");
    Path err = Files.createTempFile(natives.getParent(), "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("java -jar timed out: " + args[0]);
    }
    return new Proc(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
