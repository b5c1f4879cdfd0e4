package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The list of the common commands' classes that the build adds to the shaded jar (ClassListBuild)
 * and the launcher's recording run loads (ArchiveTraining): sorted and unique (the jar stays
 * reproducible), with the classes of commands the build ran and of the token path it lists by name,
 * and every name loads from the jar or this JDK.
 */
class ArchiveClassListJarIT {
  private static final String ENTRY = "io/garagehsm/cli/" + ArchiveTraining.LIST;

  @Test
  void theListIsSortedCompleteAndEveryNameLoadsWithoutInitialisation() throws Exception {
    Path jar = Path.of(System.getProperty("garagehsm.cli.jar"));
    byte[] list;
    List<String> tokenPath = new ArrayList<>();
    try (ZipFile z = new ZipFile(jar.toFile())) {
      ZipEntry e = z.getEntry(ENTRY);
      assertTrue(e != null, ENTRY + " missing from " + jar);
      list = z.getInputStream(e).readAllBytes();
      for (ZipEntry c : Collections.list(z.entries())) {
        String n = c.getName();
        if ((n.startsWith("io/garagehsm/pkcs11/") || n.startsWith("org/xipki/pkcs11/"))
            && n.endsWith(".class")
            && !n.endsWith("module-info.class")) {
          tokenPath.add(n.substring(0, n.length() - 6).replace('/', '.'));
        }
      }
    }
    List<String> names = List.of(new String(list, StandardCharsets.UTF_8).split("\n"));
    List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(names));
    assertEquals(sorted, names, "sorted, each once");
    assertTrue(names.size() > 1000, "classes listed: " + names.size());
    for (String expected :
        List.of(
            "io.garagehsm.ops.root.RootSigning", // root sign, run by the build
            "io.garagehsm.ops.json.SignJson",
            "picocli.CommandLine",
            "com.fasterxml.jackson.core.JsonFactory",
            "sun.security.rsa.RSAPSSSignature",
            // every security provider, whichever a lookup happened to instantiate (thread timing)
            "org.jcp.xml.dsig.internal.dom.XMLDSigRI",
            "sun.security.smartcardio.SunPCSC",
            "sun.security.pkcs11.SunPKCS11")) {
      assertTrue(names.contains(expected), expected + " not listed");
    }
    assertTrue(names.containsAll(tokenPath), "the token path's classes are listed by name");
    // every name loads: from the jar, or the JDK (the build's and this test's); none initialised
    try (URLClassLoader jarLoader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      assertEquals(
          names.size(), ArchiveTraining.load(new ByteArrayInputStream(list), jarLoader), "loaded");
    }
  }
}
