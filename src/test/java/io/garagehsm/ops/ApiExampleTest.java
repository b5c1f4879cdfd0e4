package io.garagehsm.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.targets.TargetEntry;
import io.garagehsm.pkcs11.BackendKind;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.secret.PinSources;
import io.garagehsm.server.ClientSettings;
import io.garagehsm.server.ServerConfig;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.server.testserver.TestReposerver;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenKeys;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API without the CLI: a program that makes a targets key on a SoftHSM2 token, makes it the
 * repository's targets key, adds a target, signs targets with the token key and pushes them. No
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
}
