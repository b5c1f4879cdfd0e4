package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The archive-recording run's class loading (the list itself: ClassListBuildTest, ShadedJarIT). */
class ArchiveTrainingTest {
  static volatile boolean probeInitialised;

  /** A class whose initialiser would show that loading ran it. */
  static final class Probe {
    static {
      probeInitialised = true;
    }

    private Probe() {}
  }

  private static int load(String list) throws Exception {
    return ArchiveTraining.load(
        new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
        ArchiveTrainingTest.class.getClassLoader());
  }

  @Test
  void listedClassesAreLoadedButNeverInitialised() throws Exception {
    assertEquals(1, load(Probe.class.getName() + "\n"));
    assertFalse(probeInitialised, "loading ran the static initialiser");
  }

  @Test
  void namesThisRuntimeDoesNotHaveAndBlankOrCommentLinesAreSkipped() throws Exception {
    String list =
        "# comment\n\njava.lang.String\n  java.util.ArrayList  \nno.such.Clazz\nnot a name\n"
            + "sun.security.NoSuchInternal\n";
    assertEquals(2, load(list));
  }

  @Test
  void aRecordingRunWithoutAListInItsJarStillEnds() {
    // target/classes has no list (the package step adds it to the shaded jar only)
    System.setProperty(ArchiveTraining.PROPERTY, "1");
    try {
      ArchiveTraining.loadIfRecording();
    } finally {
      System.clearProperty(ArchiveTraining.PROPERTY);
    }
  }
}
