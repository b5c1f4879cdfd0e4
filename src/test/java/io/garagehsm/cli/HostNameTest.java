package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host name a transcript line records, read without asking a name service (issue 9). */
class HostNameTest {
  @TempDir Path dir;

  @Test
  void theHostNameIsTheOneTheJdkLookUpGives() throws IOException {
    PrintStream none = new PrintStream(new ByteArrayOutputStream());
    CliContext ctx = new CliContext(none, none, Map.of(), Clock.systemUTC());
    // this machine's name resolves, so the JDK's look-up names it as before
    assertEquals(InetAddress.getLocalHost().getHostName(), ctx.hostName());
    assertTrue(Files.isRegularFile(CliContext.KERNEL_HOST_NAME), "a Linux machine");
    assertEquals(
        Optional.of(ctx.hostName()), CliContext.kernelHostName(CliContext.KERNEL_HOST_NAME));
  }

  @Test
  void theKernelFileGivesItsFirstLineAndNothingWhenEmptyOrMissing() throws IOException {
    Path f = dir.resolve("hostname");
    Files.writeString(f, "build-7\n");
    assertEquals(Optional.of("build-7"), CliContext.kernelHostName(f));
    Files.writeString(f, "\n");
    assertEquals(Optional.empty(), CliContext.kernelHostName(f));
    assertEquals(Optional.empty(), CliContext.kernelHostName(dir.resolve("missing")));
  }
}
