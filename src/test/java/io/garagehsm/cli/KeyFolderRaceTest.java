package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small races and overwrites (issue 14 item 9): concurrent {@code user-keys gen} of one name never
 * silently replaces a key, and {@code export-credentials -o} never writes into the repository.
 */
class KeyFolderRaceTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");

  @TempDir Path home;

  @Test
  void concurrentUserKeysGenOfOneNameKeepsExactlyOneKey() throws Exception {
    int runs = 3;
    CyclicBarrier start = new CyclicBarrier(runs);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    List<Future<Cli.Result>> results = new ArrayList<>();
    try {
      for (int i = 0; i < runs; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  // RSA-4096 generation takes long enough that every run passes the
                  // "already exists" check before any of them writes, without the folder lock
                  return Cli.run(
                      NOW,
                      home,
                      "user-keys",
                      "gen",
                      "-k",
                      "same",
                      "-t",
                      "rsa",
                      "--keysize",
                      "4096");
                }));
      }
      int ok = 0;
      for (Future<Cli.Result> f : results) {
        Cli.Result r = f.get();
        if (r.code() == 0) {
          ok++;
        } else {
          assertEquals(3, r.code(), r::err);
          assertTrue(r.err().contains("already exists"), r::err);
        }
      }
      assertEquals(1, ok, "exactly one run creates the key; the others refuse");
    } finally {
      pool.shutdownNow();
    }
    Path keys = home.resolve("user-keys");
    TufKey pub = TufKey.fromJson(MetadataJson.read(keys.resolve("same.pub")), "same.pub");
    TufKeyPair pair =
        TufKeyPair.fromJson(MetadataJson.read(keys.resolve("same.sec")), pub, "same.sec");
    assertEquals(pub.keyId(), pair.publicKey().keyId(), ".pub and .sec are one key");
  }

  @Test
  void exportCredentialsRefusesAnOutputInsideTheRepository() throws IOException {
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    Path link = Files.createSymbolicLink(home.resolve("elsewhere"), repo.resolve("roles"));
    Map<String, String> before = Cli.snapshot(repo);
    for (Path out :
        List.of(
            repo.resolve("roles/root.json"),
            repo.resolve("credentials.zip"),
            repo.resolve("keys/../config.json"),
            repo.resolve("new.zip"),
            link.resolve("root.json"))) {
      Cli.Result r =
          Cli.run(
              NOW,
              home,
              "export-credentials",
              "-r",
              "myrepo",
              "-k",
              "targets",
              "-o",
              out.toString());
      assertEquals(3, r.code(), () -> out + "\n" + r.err());
      assertTrue(r.err().contains("inside the repository"), r::err);
      assertEquals(before, Cli.snapshot(repo), "repository changed by -o " + out);
    }
    Path outside = home.resolve("export.zip");
    Cli.run(
            NOW,
            home,
            "export-credentials",
            "-r",
            "myrepo",
            "-k",
            "targets",
            "-o",
            outside.toString())
        .ok();
    assertTrue(Files.isRegularFile(outside));
  }
}
