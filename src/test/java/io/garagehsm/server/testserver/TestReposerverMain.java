package io.garagehsm.server.testserver;

import java.nio.file.Path;

/**
 * Runs the test reposerver as a process for scripts (e.g. the seed procedure): {@code java -cp
 * <test-classes>:<classes>:<deps> io.garagehsm.server.testserver.TestReposerverMain
 * <credentials.zip>}. Prints the URL on stdout, writes a no-auth credentials.zip for it, and serves
 * until killed.
 */
public final class TestReposerverMain {
  private TestReposerverMain() {}

  public static void main(String[] args) throws InterruptedException {
    Path zip = Path.of(args.length > 0 ? args[0] : "credentials.zip");
    TestReposerver server = TestReposerver.start();
    server.writeCredentialsZip(zip);
    System.out.println(server.url());
    System.out.flush();
    Thread.currentThread().join();
  }
}
