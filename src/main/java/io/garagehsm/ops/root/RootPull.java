package io.garagehsm.ops.root;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code root pull}: fetches the server's root and, for a reposerver repository, validates the
 * chain from the local {@code roles/root.json} (compat spec §2.3): same version → same canonical
 * content; newer → every {@code <v>.root.json} in between, each version +1 and signed by a
 * threshold of both the previous and its own root keys. Only then are roles/root.json and
 * roles/unsigned/root.json written.
 */
public final class RootPull {

  /**
   * @param repo the repository
   * @param force check only the server root's own signatures, not the chain
   */
  public record Request(Repository repo, boolean force) {}

  private final OperationContext ops;

  public RootPull(OperationContext ops) {
    this.ops = ops;
  }

  public RootResult run(Request rq) {
    Repository repo = rq.repo();
    try (RepoLock lock = repo.lock()) {
      TufServerClient client = ops.server(repo);
      SignedMetadata server = client.root();
      RootRole sr = RootRole.of(server, "root.json from " + client.server()).requireValid();
      SignedMetadata.Verification self = sr.verify(server, RootRole.ROOT);
      if (!self.thresholdMet()) {
        throw new OperationException(
            OperationException.Kind.FAILED,
            "root.json v"
                + sr.version()
                + " from the server is not signed by its own root role: "
                + self.describe(),
            "the server's root is broken; nothing was written. Contact the server's operator");
      }
      Integer previous = null;
      List<Integer> chain = new ArrayList<>();
      if (!rq.force() && !client.isDirector()) {
        Optional<SignedMetadata> local = repo.signedRole(RootRole.ROOT);
        if (local.isEmpty()) {
          throw new OperationException(
              OperationException.Kind.FAILED,
              "no local "
                  + repo.signedFile(RootRole.ROOT)
                  + " to validate the server's root against",
              "restore it (init writes it from credentials.zip), or pass --force to accept the"
                  + " server's root after checking only its own signatures");
        }
        previous = local.get().version();
        chain = validateChain(client, local.get(), server, sr);
      }
      repo.writeSignedRole(RootRole.ROOT, server);
      repo.writeUnsignedRole(RootRole.ROOT, server.signed());
      ops.warnExpiry("root.json v" + sr.version(), server);
      ops.progress().info("Pulled root.json");
      return RootResult.of(
          "root pull",
          client.server().toString(),
          sr,
          self,
          previous,
          chain,
          List.of(repo.signedFile(RootRole.ROOT), repo.unsignedFile(RootRole.ROOT)));
    }
  }

  /** Checks every root from the local one to the server's; returns the versions checked. */
  private static List<Integer> validateChain(
      TufServerClient client, SignedMetadata local, SignedMetadata server, RootRole sr) {
    RootRole prev = RootRole.of(local, "roles/root.json");
    int lv = prev.version();
    int sv = sr.version();
    List<Integer> checked = new ArrayList<>();
    if (sv == lv) {
      if (!Arrays.equals(
          CanonicalJson.encode(local.signed()), CanonicalJson.encode(server.signed()))) {
        throw chainError(
            "the server's root.json v"
                + sv
                + " differs from the local roles/root.json of the same version",
            "the local file was edited or another root was pushed; compare them, and pass --force"
                + " only if you trust the server's root");
      }
      return checked;
    }
    if (sv < lv) {
      throw chainError(
          "the server's root.json is v" + sv + ", older than the local roles/root.json v" + lv,
          "push the local root first ('root push'), or remove roles/root.json if it was never"
              + " accepted");
    }
    for (int v = lv + 1; v <= sv; v++) {
      SignedMetadata next;
      if (v == sv) {
        next = server;
      } else {
        final int want = v;
        next =
            client
                .root(v)
                .orElseThrow(
                    () ->
                        chainError(
                            "the server has no "
                                + want
                                + ".root.json to link v"
                                + lv
                                + " to v"
                                + sv,
                            "the chain is broken on the server; pass --force only if you trust"
                                + " its current root"));
      }
      RootRole nr = RootRole.of(next, v + ".root.json").requireValid();
      if (nr.version() != v) {
        throw chainError(
            v + ".root.json has version " + nr.version() + ", expected " + v,
            "the chain is broken on the server; contact its operator");
      }
      requireThreshold(
          prev.verify(next, RootRole.ROOT),
          "root v" + v + " is not signed by a threshold of the root keys of v" + (v - 1),
          "this root was not authorised by its predecessor; do not trust it");
      requireThreshold(
          nr.verify(next, RootRole.ROOT),
          "root v" + v + " is not signed by a threshold of its own root keys",
          "this root is not valid; do not trust it");
      checked.add(v);
      prev = nr;
    }
    return checked;
  }

  private static void requireThreshold(SignedMetadata.Verification v, String notMet, String hint) {
    if (!v.thresholdMet()) {
      throw chainError(notMet + ": " + v.describe(), hint);
    }
  }

  private static OperationException chainError(String msg, String hint) {
    return new OperationException(
        OperationException.Kind.FAILED, "root chain validation failed: " + msg, hint);
  }
}
