package io.garagehsm.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build step that lists the common commands' classes in the jar (the run: ShadedJarIT). */
class ClassListBuildTest {
  @TempDir Path tmp;

  @Test
  void onlyNamedClassesFromTheJdkItsArchiveOrAJarFromTheMainClassOnAreListedSortedOnce() {
    List<String> log =
        List.of(
            // the JVM's own start-up, before the jar's main class: not listed
            "java.lang.Object source: shared objects file",
            "jdk.internal.module.ModuleBootstrap source: jrt:/java.base",
            "sun.launcher.LauncherHelper source: jrt:/java.base",
            "io.garagehsm.cli.Main source: file:/opt/garage-hsm/lib/garage-hsm-1-cli.jar",
            "java.util.zip.CRC32 source: shared objects file",
            "sun.security.rsa.RSACore source: jrt:/java.base",
            "io.garagehsm.cli.Main source: file:/opt/garage-hsm/lib/garage-hsm-1-cli.jar",
            "picocli.CommandLine$Model$CommandSpec source: file:/x/garage-hsm-1-cli.jar",
            "io.garagehsm.cli.Main$$Lambda$14/0x0000000800c0b000 source: io.garagehsm.cli.Main",
            "java.lang.invoke.LambdaForm$MH/0x0000000800c0c400 source: __JVM_LookupDefineClass__",
            "jdk.proxy1.$Proxy0 source: __dynamic_proxy__",
            "jdk.internal.reflect.GeneratedConstructorAccessor1 source: __JVM_DefineClass__",
            "io.garagehsm.X source: file:/some/classes/",
            "[0.01s] no source here");
    assertEquals(
        List.of(
            "io.garagehsm.cli.Main",
            "java.util.zip.CRC32",
            "picocli.CommandLine$Model$CommandSpec",
            "sun.security.rsa.RSACore"),
        List.copyOf(ClassListBuild.named(log)));
  }

  private Path jar(String... names) throws Exception {
    Path jar = tmp.resolve("in.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        ZipOutputStream zo = new ZipOutputStream(out)) {
      for (String n : names) {
        ZipEntry e = new ZipEntry(n);
        e.setTime(315532800000L + names.length * 1000L);
        zo.putNextEntry(e);
        zo.write(n.getBytes(StandardCharsets.UTF_8));
        zo.closeEntry();
      }
    }
    return jar;
  }

  @Test
  void theJarsClassesUnderTheNamedFoldersAreListedByName() throws Exception {
    Path jar =
        jar(
            "META-INF/MANIFEST.MF",
            "iaik/pkcs/pkcs11/wrapper/PKCS11.class",
            "iaik/pkcs/pkcs11/wrapper/package-info.class",
            "org/xipki/pkcs11/wrapper/PKCS11Module.class",
            "io/garagehsm/pkcs11/IaikLogin$1.class",
            "io/garagehsm/pkcs11/native.so",
            "io/garagehsm/cli/Main.class");
    assertEquals(
        List.of(
            "iaik.pkcs.pkcs11.wrapper.PKCS11",
            "io.garagehsm.pkcs11.IaikLogin$1",
            "org.xipki.pkcs11.wrapper.PKCS11Module"),
        List.copyOf(ClassListBuild.jarClasses(jar, ClassListBuild.BY_NAME)));
  }

  @Test
  void theListIsAddedLastWithTheFirstEntrysTimeAndTheSameJarGivesTheSameBytes() throws Exception {
    Path jar = jar("META-INF/MANIFEST.MF", "a/B.class", "c.txt");
    Path second = tmp.resolve("second.jar");
    Files.copy(jar, second);
    TreeSet<String> names = new TreeSet<>(List.of("b.C", "a.B"));
    ClassListBuild.addToJar(jar, names);
    ClassListBuild.addToJar(second, names);
    assertArrayEquals(Files.readAllBytes(jar), Files.readAllBytes(second));
    // again (a second package run over the same jar): replaced, not added twice
    ClassListBuild.addToJar(jar, new TreeSet<>(List.of("d.E")));
    try (ZipFile z = new ZipFile(jar.toFile())) {
      List<String> order = new ArrayList<>();
      for (ZipEntry e : Collections.list(z.entries())) {
        order.add(e.getName());
      }
      assertEquals(
          List.of("META-INF/MANIFEST.MF", "a/B.class", "c.txt", ClassListBuild.ENTRY), order);
      ZipEntry list = z.getEntry(ClassListBuild.ENTRY);
      assertEquals(z.getEntry("META-INF/MANIFEST.MF").getTime(), list.getTime());
      assertEquals(
          "d.E\n", new String(z.getInputStream(list).readAllBytes(), StandardCharsets.UTF_8));
      assertEquals(
          "c.txt",
          new String(z.getInputStream(z.getEntry("c.txt")).readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
