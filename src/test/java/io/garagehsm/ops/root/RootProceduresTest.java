package io.garagehsm.ops.root;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.ops.ExpiryChoice;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.Progress;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ClientSettings;
import io.garagehsm.server.ServerConfig;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root procedures called from Java alone (no picocli): pull, add a key, sign, push. */
class RootProceduresTest {
  @TempDir Path home;

  @Test
  void rotateTheRootThroughTheApi() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC);
    try (TestReposerver server = TestReposerver.start()) {
      Repository repo = TestRepos.create(home, "api", server);
      repo.keys().writeKeyPair("oldroot", server.rootKey);
      repo.keys().writeKeyPair("newroot", TufKeyPair.generate(KeyType.ED25519, 256));
      Function<Repository, TufServerClient> servers =
          r ->
              TufServerClient.create(
                  new ServerConfig(
                      URI.create(r.config().reposerver()), false, r.config().auth(), r.dir()),
                  ClientSettings.fromEnv(Map.of()));
      Progress quiet = Progress.silent();
      OperationContext ops =
          new OperationContext(servers, (keys, name) -> keys.signer(name, null), clock, quiet);

      RootResult pulled = new RootPull(ops).run(new RootPull.Request(repo, false));
      assertEquals(1, pulled.version());
      RootKeyEdit.Result added =
          new RootKeyEdit(quiet)
              .add(new RootKeyEdit.Request(repo, RootRole.ROOT, List.of("newroot"), List.of()));
      assertEquals(2, added.keyIds().size());
      RootSignResult signed =
          new RootSigning(ops, uri -> true, TokenPrompter.none())
              .run(
                  new RootSigning.Request(
                      repo,
                      List.of("newroot", "oldroot"),
                      null,
                      new ExpiryChoice(null, java.time.Period.ofYears(1), false)));
      assertEquals(2, signed.version());
      assertTrue(signed.thresholds().stream().allMatch(RootSignResult.ThresholdState::met));
      RootResult pushed = new RootPush(ops).run(new RootPush.Request(repo));
      assertEquals(2, pushed.version());
      assertEquals(2, RootRole.of(server.root(), "server").version());
    }
  }
}
