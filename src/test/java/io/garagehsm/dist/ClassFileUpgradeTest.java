package io.garagehsm.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import picocli.CommandLine;

/** The build step that makes picocli's Java 5 class files archivable (on picocli's real jar). */
class ClassFileUpgradeTest {
  @TempDir Path tmp;

  private Path picocliJar() throws Exception {
    Path jar =
        Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path copy = tmp.resolve("picocli.jar");
    Files.copy(jar, copy);
    return copy;
  }

  @Test
  void everyOldClassBecomesVersion52WithTheSameMembersAndOtherEntriesStayAsTheyWere()
      throws Exception {
    Path jar = picocliJar();
    Map<String, byte[]> before = entries(jar);
    long old = before.entrySet().stream().filter(e -> isOldClass(e.getKey(), e.getValue())).count();
    assertTrue(old > 100, "picocli's jar has Java 5 class files (else this test proves nothing)");

    assertEquals(old, ClassFileUpgrade.upgradeInPlace(jar));

    Map<String, byte[]> after = entries(jar);
    assertEquals(List.copyOf(before.keySet()), List.copyOf(after.keySet()), "entries and order");
    for (Map.Entry<String, byte[]> e : before.entrySet()) {
      byte[] now = after.get(e.getKey());
      if (isOldClass(e.getKey(), e.getValue())) {
        assertEquals(52, ClassFileUpgrade.majorVersion(now), e.getKey());
        assertEquals(members(e.getValue()), members(now), e.getKey());
      } else {
        assertArrayEquals(e.getValue(), now, e.getKey());
      }
    }
  }

  @Test
  void theUpgradedClassesPassTheVerifierAndPicocliStillParses() throws Exception {
    Path jar = picocliJar();
    ClassFileUpgrade.upgradeInPlace(jar);
    List<String> names = new ArrayList<>();
    for (String n : entries(jar).keySet()) {
      if (n.endsWith(".class") && !n.contains("module-info") && !n.startsWith("META-INF/")) {
        names.add(n.substring(0, n.length() - 6).replace('/', '.'));
      }
    }
    // a loader of its own (not the test's picocli): initialising links, and linking verifies
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      for (String n : names) {
        Class<?> c = Class.forName(n, true, loader);
        assertEquals(loader, c.getClassLoader(), n);
      }
      // picocli's programmatic model: an option parsed and read back through the new classes
      Class<?> specs = loader.loadClass("picocli.CommandLine$Model$CommandSpec");
      Class<?> optionSpec = loader.loadClass("picocli.CommandLine$Model$OptionSpec");
      Object spec = specs.getMethod("create").invoke(null);
      Object builder =
          optionSpec
              .getMethod("builder", String[].class)
              .invoke(null, (Object) new String[] {"-n"});
      Object option = call(call(builder, "type", Class.class, int.class), "build");
      specs.getMethod("addOption", optionSpec).invoke(spec, option);
      Class<?> cl = loader.loadClass("picocli.CommandLine");
      Object commandLine = cl.getConstructor(Object.class).newInstance(spec);
      cl.getMethod("parseArgs", String[].class)
          .invoke(commandLine, (Object) new String[] {"-n", "42"});
      Object value = optionSpec.getMethod("getValue").invoke(option);
      assertEquals(42, value);
    }
  }

  @Test
  void theSameJarGivesTheSameBytes() throws Exception {
    Path a = picocliJar();
    Path b = tmp.resolve("second.jar");
    Files.copy(a, b);
    ClassFileUpgrade.upgradeInPlace(a);
    ClassFileUpgrade.upgradeInPlace(b);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    assertEquals(0, ClassFileUpgrade.upgradeInPlace(b), "nothing old left the second time");
  }

  /** A public method of a class picocli declares non-public (its builders' common base). */
  private static Object call(Object target, String name, Object... typesThenArgs)
      throws ReflectiveOperationException {
    int n = typesThenArgs.length / 2;
    Class<?>[] types = new Class<?>[n];
    for (int i = 0; i < n; i++) {
      types[i] = (Class<?>) typesThenArgs[i];
    }
    java.lang.reflect.Method m = target.getClass().getMethod(name, types);
    m.setAccessible(true);
    return m.invoke(target, java.util.Arrays.copyOfRange(typesThenArgs, n, typesThenArgs.length));
  }

  private static boolean isOldClass(String name, byte[] data) {
    return name.endsWith(".class") && ClassFileUpgrade.majorVersion(data) < 50;
  }

  private static Map<String, byte[]> entries(Path jar) throws IOException {
    Map<String, byte[]> m = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(jar.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        m.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    return m;
  }

  /** Access, name, super, interfaces, and every field and method with its descriptor. */
  private static List<String> members(byte[] classFile) {
    List<String> m = new ArrayList<>();
    new ClassReader(classFile)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              @Override
              public void visit(
                  int version, int access, String name, String sig, String sup, String[] itf) {
                m.add(access + " " + name + " " + sig + " " + sup + " " + List.of(itf));
              }

              @Override
              public FieldVisitor visitField(
                  int access, String name, String desc, String sig, Object value) {
                m.add("field " + access + " " + name + desc + " " + sig + " " + value);
                return null;
              }

              @Override
              public MethodVisitor visitMethod(
                  int access, String name, String desc, String sig, String[] exceptions) {
                m.add("method " + access + " " + name + desc + " " + sig);
                return new MethodVisitor(Opcodes.ASM9) {
                  @Override
                  public void visitInsn(int opcode) {
                    m.add("  " + opcode);
                  }

                  @Override
                  public void visitIntInsn(int opcode, int operand) {
                    m.add("  " + opcode + " " + operand);
                  }

                  @Override
                  public void visitVarInsn(int opcode, int var) {
                    m.add("  " + opcode + " " + var);
                  }

                  @Override
                  public void visitTypeInsn(int opcode, String type) {
                    m.add("  " + opcode + " " + type);
                  }

                  @Override
                  public void visitFieldInsn(int opcode, String owner, String n, String d) {
                    m.add("  " + opcode + " " + owner + "." + n + d);
                  }

                  @Override
                  public void visitMethodInsn(
                      int opcode, String owner, String n, String d, boolean itf) {
                    m.add("  " + opcode + " " + owner + "." + n + d);
                  }

                  @Override
                  public void visitJumpInsn(int opcode, org.objectweb.asm.Label label) {
                    m.add("  " + opcode);
                  }

                  @Override
                  public void visitLdcInsn(Object value) {
                    m.add("  ldc " + value);
                  }

                  @Override
                  public void visitIincInsn(int var, int increment) {
                    m.add("  iinc " + var + " " + increment);
                  }

                  @Override
                  public void visitTryCatchBlock(
                      org.objectweb.asm.Label start,
                      org.objectweb.asm.Label end,
                      org.objectweb.asm.Label handler,
                      String type) {
                    m.add("  catch " + type);
                  }
                };
              }
            },
            ClassReader.SKIP_FRAMES);
    return m;
  }
}
