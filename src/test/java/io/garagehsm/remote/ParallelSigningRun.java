package io.garagehsm.remote;

import io.garagehsm.pkcs11.BackendKind;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.secret.PinSources;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Signs from many threads at once with one token key through the public signing API, as a program
 * embedding garage-hsm would: {@code <keysDir> <keyName> <pinFile> <threads> <signatures per
 * thread> <maxSessions>}. Run as its own JVM by the tests (the logging shim then counts this run's
 * sessions and logins); prints the number of signatures made.
 */
public final class ParallelSigningRun {
  private ParallelSigningRun() {}

  public static void main(String[] args) throws Exception {
    KeyDirectory keys = new KeyDirectory(Path.of(args[0]));
    String name = args[1];
    int threads = Integer.parseInt(args[3]);
    int each = Integer.parseInt(args[4]);
    int maxSessions = Integer.parseInt(args[5]);
    try (TokenKeys tokens =
        new TokenKeys(
            BackendKind.IAIK,
            null,
            ModuleLocator.system(),
            PinSources.builder().pinFile(Path.of(args[2])).environment(Map.of()).build(),
            System.err::println,
            false,
            maxSessions)) {
      List<Signer> signers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        signers.add(keys.signer(name, tokens)); // one open key per thread, as the benchmark does
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Integer>> done = new ArrayList<>();
      for (Signer signer : signers) {
        done.add(
            pool.submit(
                () -> {
                  byte[] message = new byte[1024];
                  for (int i = 0; i < each; i++) {
                    message[0] = (byte) i;
                    byte[] signature = signer.sign(message);
                    if (signature.length == 0) {
                      throw new IllegalStateException("empty signature");
                    }
                  }
                  return each;
                }));
      }
      int total = 0;
      for (Future<Integer> f : done) {
        total += f.get();
      }
      pool.shutdown();
      System.out.println(total);
    }
  }
}
