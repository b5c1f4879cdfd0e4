package io.garagehsm.cli;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code root push}: checks {@code roles/root.json} against its own root role, then POSTs it. A
 * rejection lists the server's reasons and exits 1 (compat spec §9.4).
 */
@Command(name = "push", description = "Push roles/root.json to the server.")
final class RootPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  RootPushCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    try (RepoLock lock = repo.lock()) {
      SignedMetadata root =
          repo.signedRole(RootRole.ROOT)
              .orElseThrow(
                  () ->
                      new CliException(
                          ExitCodes.OTHER,
                          repo.signedFile(RootRole.ROOT) + " does not exist",
                          "sign the root first: 'root sign -r "
                              + repoOption.repo
                              + " -k <key> …'"));
      RootRole rr = RootRole.of(root, repo.signedFile(RootRole.ROOT).toString()).requireValid();
      SignedMetadata.Verification v = rr.verify(root, RootRole.ROOT);
      if (!v.thresholdMet()) {
        throw new CliException(
            ExitCodes.OTHER,
            repo.signedFile(RootRole.ROOT)
                + " is not signed by a threshold of its own root role: "
                + v.describe(),
            "sign it with the new root keys (and the old ones): 'root sign -k <old> -k <new>'");
      }
      TufServerClient client = ServerAccess.client(ctx, repo);
      try {
        client.pushRoot(root);
      } catch (ServerException e) {
        if (ServerAccess.isRootRejection(e)) {
          throw ServerAccess.rootRejected(
              ctx,
              e,
              "the new root needs version = server version + 1 and a threshold of signatures from"
                  + " the old and the new root keys; 'root pull' shows the server's root");
        }
        throw e;
      }
      ServerAccess.warnExpiry(ctx, "root.json v" + rr.version(), root);
      ctx.info("Pushed root.json");
      return ExitCodes.OK;
    }
  }
}
