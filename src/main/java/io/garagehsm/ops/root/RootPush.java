package io.garagehsm.ops.root;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;

/**
 * {@code root push}: checks {@code roles/root.json} against its own root role, then POSTs it. A
 * rejection lists the server's reasons and is an explained failure (exit 1, compat spec §9.4).
 */
public final class RootPush {

  /**
   * @param repo the repository whose roles/root.json is pushed
   */
  public record Request(Repository repo) {}

  private final OperationContext ops;

  public RootPush(OperationContext ops) {
    this.ops = ops;
  }

  public RootResult run(Request rq) {
    Repository repo = rq.repo();
    try (RepoLock lock = repo.lock()) {
      SignedMetadata root =
          repo.requireSignedRole(
              RootRole.ROOT, "sign the root first: 'root sign -r " + repo.name() + " -k <key> …'");
      RootRole rr = RootRole.of(root, repo.signedFile(RootRole.ROOT).toString()).requireValid();
      SignedMetadata.Verification v = rr.verify(root, RootRole.ROOT);
      if (!v.thresholdMet()) {
        throw new OperationException(
            OperationException.Kind.FAILED,
            repo.signedFile(RootRole.ROOT)
                + " is not signed by a threshold of its own root role: "
                + v.describe(),
            "sign it with the new root keys (and the old ones): 'root sign -k <old> -k <new>'");
      }
      TufServerClient client = ops.server(repo);
      try {
        client.pushRoot(root);
      } catch (ServerException e) {
        if (RootRejection.is(e)) {
          throw RootRejection.explain(
              ops.progress(),
              e,
              "the new root needs version = server version + 1 and a threshold of signatures from"
                  + " the old and the new root keys; 'root pull' shows the server's root");
        }
        throw e;
      }
      ops.warnExpiry("root.json v" + rr.version(), root);
      ops.progress().info("Pushed root.json");
      return RootResult.pushed(client.server().toString(), rr, v);
    }
  }
}
