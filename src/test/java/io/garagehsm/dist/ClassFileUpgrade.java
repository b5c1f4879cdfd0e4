package io.garagehsm.dist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build step, not a test (the pom runs it in {@code package}, right after the shade plugin):
 * rewrites the shaded jar's "old" class files (class version below 50, Java 5 and older; in this
 * jar only picocli's) as class version 52 (Java 8) with the stack map frames that version requires.
 * The bytecode, names, signatures and attributes stay as they are; only the version and the frames
 * change. Why: class-data sharing never archives old class files, and the JVM checks them with its
 * slow old verifier, so picocli's ~230 classes were loaded, parsed and verified again on every run
 * of the launcher (about 0.1 s of CPU of a short command; docs/benchmarks.md). Lives in test
 * sources so that ASM stays out of the shipped jar.
 *
 * <pre>ClassFileUpgrade JAR</pre>
 *
 * rewrites JAR in place (through a temporary file beside it, renamed over it): every entry in the
 * same order with the same name, time, extra fields and compression method, so the same input gives
 * the same bytes (scripts/check-reproducible.sh).
 */
public final class ClassFileUpgrade {
  /**
   * Class files below this major version are "old": never archived, checked by the old verifier.
   */
  static final int OLDEST_KEPT = 50;

  /** The version they are rewritten to (Java 8: the type-checking verifier, archivable). */
  static final int TARGET = Opcodes.V1_8;

  private ClassFileUpgrade() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ClassFileUpgrade JAR");
    }
    Path jar = Path.of(args[0]);
    int n = upgradeInPlace(jar);
    System.out.println(
        "class-file-upgrade: " + n + " old class files in " + jar + " now version 52");
  }

  /** Rewrites {@code jar}'s old class files; returns how many. */
  static int upgradeInPlace(Path jar) throws IOException {
    Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrade.tmp");
    try {
      int n;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        n = upgrade(jar, out);
      }
      Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return n;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code jar} to {@code out} with its old class files upgraded; returns how many. */
  static int upgrade(Path jar, OutputStream out) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Hierarchy hierarchy = new Hierarchy();
      for (ZipEntry e : Collections.list(zip.entries())) {
        if (isClass(e)) {
          hierarchy.add(read(zip, e));
        }
      }
      int n = 0;
      try (ZipOutputStream zo = new ZipOutputStream(out)) {
        for (ZipEntry e : Collections.list(zip.entries())) {
          byte[] data = read(zip, e);
          if (isClass(e) && majorVersion(data) < OLDEST_KEPT) {
            data = upgrade(data, hierarchy);
            n++;
          }
          ZipEntry copy = new ZipEntry(e.getName());
          copy.setTime(e.getTime());
          copy.setExtra(e.getExtra());
          copy.setComment(e.getComment());
          copy.setMethod(e.getMethod());
          if (e.getMethod() == ZipEntry.STORED) {
            CRC32 crc = new CRC32();
            crc.update(data);
            copy.setSize(data.length);
            copy.setCompressedSize(data.length);
            copy.setCrc(crc.getValue());
          }
          zo.putNextEntry(copy);
          zo.write(data);
          zo.closeEntry();
        }
        zo.setComment(zip.getComment());
      }
      return n;
    }
  }

  /** One class file as version 52 with computed stack map frames. */
  static byte[] upgrade(byte[] classFile, Hierarchy hierarchy) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer =
        new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
          @Override
          protected String getCommonSuperClass(String a, String b) {
            return hierarchy.commonSuperClass(a, b);
          }
        };
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public void visit(
              int version,
              int access,
              String name,
              String signature,
              String superName,
              String[] interfaces) {
            super.visit(TARGET, access, name, signature, superName, interfaces);
          }
        },
        ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }

  static int majorVersion(byte[] classFile) {
    return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
  }

  private static boolean isClass(ZipEntry e) {
    return !e.isDirectory()
        && e.getName().endsWith(".class")
        && !e.getName().endsWith("module-info.class");
  }

  private static byte[] read(ZipFile zip, ZipEntry e) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toByteArray();
    }
  }

  /**
   * The superclass chains the frame computation needs, from the jar's own class files (never
   * loaded: the build JVM must not run them) and, for the JDK's classes, from the platform class
   * loader (not initialised). Merging two types as ASM does by default: their nearest common
   * superclass, {@code java/lang/Object} when either is an interface.
   */
  static final class Hierarchy {
    private final Map<String, String> superOf = new HashMap<>();
    private final Set<String> interfaces = new HashSet<>();

    void add(byte[] classFile) {
      ClassReader r = new ClassReader(classFile);
      superOf.put(r.getClassName(), r.getSuperName());
      if ((r.getAccess() & Opcodes.ACC_INTERFACE) != 0) {
        interfaces.add(r.getClassName());
      }
    }

    String commonSuperClass(String a, String b) {
      if (isInterface(a) || isInterface(b)) {
        return "java/lang/Object";
      }
      List<String> chainA = chain(a);
      for (String s : chain(b)) {
        if (chainA.contains(s)) {
          return s;
        }
      }
      return "java/lang/Object";
    }

    private boolean isInterface(String type) {
      if (superOf.containsKey(type)) {
        return interfaces.contains(type);
      }
      return jdkClass(type).isInterface();
    }

    /** {@code type}, its superclass, theirs, … up to {@code java/lang/Object}. */
    private List<String> chain(String type) {
      List<String> chain = new ArrayList<>();
      for (String t = type; t != null; t = superclass(t)) {
        chain.add(t);
      }
      return chain;
    }

    private String superclass(String type) {
      if (superOf.containsKey(type)) {
        return superOf.get(type);
      }
      Class<?> s = jdkClass(type).getSuperclass();
      return s == null ? null : s.getName().replace('.', '/');
    }

    private static Class<?> jdkClass(String type) {
      try {
        return Class.forName(type.replace('/', '.'), false, ClassLoader.getPlatformClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(
            "class-file-upgrade: " + type + " is neither in the jar nor in the JDK", e);
      }
    }
  }
}
