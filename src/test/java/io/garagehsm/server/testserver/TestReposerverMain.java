package io.garagehsm.server.testserver;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code garage-hsm-testserver}: the faithful test reposerver as a process, for rehearsing a
 * ceremony and for scripts (demo.sh). Shipped as the separate {@code -testserver} jar, never in the
 * CLI jar.
 *
 * <pre>garage-hsm-testserver [CREDENTIALS_ZIP]    (default ./credentials.zip)</pre>
 *
 * Starts on 127.0.0.1 with a free port and fresh keys, writes a new no-auth credentials.zip for it
 * (refusing to overwrite an existing file: it may be a real one), prints the URL on stdout and how
 * to {@code init} against it on stderr, and serves from memory until killed.
 */
public final class TestReposerverMain {
  private TestReposerverMain() {}

  public static void main(String[] args) throws InterruptedException {
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    if (args.length > 1 || (args.length == 1 && args[0].startsWith("-"))) {
      boolean help = args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"));
      (help ? System.out : err)
          .println(
              "usage: garage-hsm-testserver [CREDENTIALS_ZIP]\n"
                  + "Starts a rehearsal reposerver on 127.0.0.1 (in memory, ota-tuf's validation"
                  + " rules, fresh keys),\nwrites a credentials.zip for it (default"
                  + " ./credentials.zip; never overwritten) and serves until stopped.\n"
                  + "stdout: the server URL; stderr: how to init against it.");
      System.exit(help ? 0 : 255);
    }
    Path zip = Path.of(args.length == 1 ? args[0] : "credentials.zip").toAbsolutePath();
    if (Files.exists(zip)) {
      err.println("error: " + zip + " already exists; the test server writes a fresh one");
      err.println("hint: name a new file (garage-hsm-testserver rehearsal/credentials.zip)");
      System.exit(1);
    }
    if (zip.getParent() != null && !Files.isDirectory(zip.getParent())) {
      err.println("error: the folder " + zip.getParent() + " does not exist");
      err.println("hint: create it, or name a file in an existing folder");
      System.exit(1);
    }
    TestReposerver server = TestReposerver.start();
    server.writeCredentialsZip(zip);
    System.out.println(server.url());
    System.out.flush();
    err.println("test reposerver at " + server.url() + " (in memory, stops with Ctrl-C)");
    err.println("credentials: " + zip + " (no authentication, valid for this server only)");
    err.println("rehearse against it:");
    err.println("  garage-hsm init -r rehearsal -c " + zip);
    err.println("  garage-hsm targets pull -r rehearsal");
    Thread.currentThread().join();
  }
}
