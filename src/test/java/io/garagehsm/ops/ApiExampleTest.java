package io.garagehsm.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.ops.keys.KeyGeneration;
import io.garagehsm.ops.keys.StoredKey;
import io.garagehsm.ops.root.RootKeyEdit;
import io.garagehsm.ops.root.RootPull;
import io.garagehsm.ops.root.RootPush;
import io.garagehsm.ops.root.RootSigning;
import io.garagehsm.ops.targets.AddTargets;
import io.garagehsm.ops.targets.PullTargets;
import io.garagehsm.ops.targets.PushTargets;
import io.garagehsm.ops.targets.SignTargets;
import io.garagehsm.ops.targets.TargetEntry;
import io.garagehsm.pkcs11.BackendKind;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.repo.Repository;
import io.garagehsm.secret.PinSources;
import io.garagehsm.server.ClientSettings;
import io.garagehsm.server.ServerConfig;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenKeys;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API without the CLI: a program that makes a targets key on a SoftHSM2 token, makes it the
 * repository's targets key, adds a target, signs targets with the token key and pushes them: once
 * with the lower layers (client, signer, metadata), once with the procedures of {@code ops}. No
 * class of {@code io.garagehsm.cli} is used.
 */
class ApiExampleTest {

  @Test
  void signsAndPushesTargetsWithATokenKeyThroughTheApiAlone(@TempDir Path dir) {
    TestTokens.TestToken token = TestTokens.create("api-example");
    try (TestReposerver server = TestReposerver.start();
        TokenKeys tokens =
            new TokenKeys(
                BackendKind.IAIK,
                TestTokens.MODULE,
                ModuleLocator.system(),
                PinSources.builder().pinFile(token.pinFile()).environment(Map.of()).build(),
                message -> {},
                false)) {
      TufServerClient client =
          TufServerClient.create(
              new ServerConfig(URI.create(server.url()), false, null, dir),
              ClientSettings.defaults());

      // the targets the server signed online so far (fetched before its targets key goes offline)
      TufServerClient.FetchedTargets current = client.targets();

      // a targets key generated on the token, made the targets key of root v2
      TokenKeys.TokenKeyInfo key =
          tokens.generate(token.uri().toString(), "targets-api", KeyType.ED25519, 256);
      RootRole root = RootRole.of(client.root(), "root.json");
      RootRole next =
          root.withRole(RootRole.TARGETS, List.of(key.publicKey()), 1)
              .withVersion(root.version() + 1);
      try (Signer rootKey = new FileSigner(server.rootKey, "root key")) {
        client.pushRoot(
            MetadataSigner.sign(SignedMetadata.unsigned(next.json()), List.of(rootKey)));
      }

      // one target added to the server's targets, signed on the token, pushed with the checksum
      TargetsRole targets = TargetsRole.of(current.targets().signed(), "targets.json");
      Instant now = Instant.now();
      TargetEntry entry =
          new TargetEntry(
              "firmware", "1.0", 3, "ab".repeat(32), List.of("board-a"), null, null, null, false);
      TargetsRole edited =
          entry
              .addTo(targets, now)
              .withVersion(targets.version() + 1)
              .withExpires(now.plus(Duration.ofDays(90)));
      SignedMetadata signed;
      try (Signer signer = tokens.open(key.uri(), key.publicKey(), "targets-api")) {
        signed = MetadataSigner.sign(SignedMetadata.unsigned(edited.json()), List.of(signer));
      }
      client.pushTargets(signed, current.checksum());

      SignedMetadata accepted = server.targets();
      assertEquals(targets.version() + 1, TargetsRole.of(accepted.signed(), "served").version());
      assertEquals(key.publicKey().keyId(), accepted.signatures().get(0).keyId());
      assertTrue(accepted.signed().path("targets").has("firmware-1.0"));
    }
  }

  /**
   * The same through the procedures of {@code ops}, as an embedding program (a CI plugin) would use
   * them: one {@link OperationContext}, a repository on disk, the targets key generated on the
   * token and made the only targets key of root v2, then add, sign and push targets.
   */
  @Test
  void signsAndPushesTargetsWithATokenKeyThroughTheProcedures(@TempDir Path home) {
    TestTokens.TestToken token = TestTokens.create("api-procedures");
    try (TestReposerver server = TestReposerver.start();
        TokenKeys tokens =
            new TokenKeys(
                BackendKind.IAIK,
                TestTokens.MODULE,
                ModuleLocator.system(),
                PinSources.builder().pinFile(token.pinFile()).environment(Map.of()).build(),
                message -> {},
                false)) {
      Repository repo = TestRepos.create(home, "api", server);
      repo.keys().writeKeyPair("root", server.rootKey);
      OperationContext ops =
          new OperationContext(
              r ->
                  TufServerClient.create(
                      new ServerConfig(
                          URI.create(r.config().reposerver()), false, r.config().auth(), r.dir()),
                      ClientSettings.defaults()),
              (keys, name) -> keys.signer(name, tokens::open),
              Clock.systemUTC(),
              Progress.silent());

      // the server's root and targets, while the server still holds the online targets key
      new RootPull(ops).run(new RootPull.Request(repo, false));
      new PullTargets(ops).run(new PullTargets.Request(repo, false, false));

      // a targets key on the token replaces the online one in root v2
      StoredKey key =
          new KeyGeneration(() -> tokens)
              .run(
                  new KeyGeneration.Request(
                      repo.keys(), "targets-token", KeyType.ED25519, 256, token.uri().toString()));
      RootKeyEdit edit = new RootKeyEdit(Progress.silent());
      edit.add(
          new RootKeyEdit.Request(repo, RootRole.TARGETS, List.of("targets-token"), List.of()));
      edit.remove(new RootKeyEdit.Request(repo, RootRole.TARGETS, List.of("targets"), List.of()));
      new RootSigning(ops, uri -> true, TokenPrompter.none())
          .run(
              new RootSigning.Request(
                  repo, List.of("root"), null, new ExpiryChoice(null, Period.ofYears(1), false)));
      new RootPush(ops).run(new RootPush.Request(repo));

      // one target added, signed on the token, pushed with the saved role checksum
      new AddTargets(Instant.now(), InputStream.nullInputStream())
          .run(
              AddTargets.Request.of(
                  () -> repo,
                  List.of(
                      new TargetEntry(
                          "firmware",
                          "1.0",
                          3,
                          "ab".repeat(32),
                          List.of("board-a"),
                          null,
                          null,
                          null,
                          false)),
                  TargetManifest.Kind.ADD));
      SignTargets.Result signed =
          new SignTargets(ops)
              .run(
                  new SignTargets.Request(
                      repo,
                      "targets-token",
                      null,
                      new ExpiryChoice(null, Period.ofDays(90), false),
                      null));
      PushTargets.Result pushed = new PushTargets(ops).run(repo);

      SignedMetadata accepted = server.targets();
      assertEquals(signed.version(), pushed.version());
      assertEquals(pushed.version(), TargetsRole.of(accepted.signed(), "served").version());
      assertEquals(
          List.of(key.publicKey().keyId()),
          accepted.signatures().stream().map(s -> s.keyId()).toList());
      assertTrue(accepted.signed().path("targets").has("firmware-1.0"));
    }
  }
}
