package io.garagehsm.ops.rotation;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.root.RootRejection;
import io.garagehsm.ops.targets.PullTargets;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code move-offline}: takes the online root key (and, for a reposerver, the targets key) off the
 * server, in an order that cannot lose the root key (compat spec §10.3, §13 item 3):
 *
 * <ol>
 *   <li>GET root.json (the server's root is the starting point);
 *   <li>pull targets if there is no unsigned targets.json (reposerver only);
 *   <li>use {@code keys/<alias>.sec} if present, else GET the server's copy and save it durably;
 *   <li>build root v+1 (root role = new root key, targets role = new targets key, threshold 1,
 *       expires now + 365 days, online snapshot/timestamp keys kept), sign with the new and the old
 *       root key, verify both thresholds, and save it as {@code roles/root.json.pending};
 *   <li>POST root;
 *   <li>GET root.json again: only when the server serves exactly the pushed root is it accepted (a
 *       success code alone is not trusted);
 *   <li>only then DELETE the server's copy of the old root key. The real keyserver has already
 *       deleted it when it accepted a root that no longer lists it (compat spec §9.4, Appendix C),
 *       so "not found" (404, or the reposerver's 502 {@code missing_entity}) is the expected answer
 *       and counts as done;
 *   <li>write roles/root.json (and roles/unsigned/root.json), remove {@code
 *       keys/<old-root-alias>.sec} (overwritten; {@code keepOldRootKey} keeps it), remove the
 *       pending file.
 * </ol>
 *
 * <p>Running the same request again after a failure at any step resumes: a pending root the server
 * already serves is finished (delete + write), one it lacks is pushed again. Without a new root
 * key, the old key is fetched and saved but, unlike garage-sign, the server's copy is NOT deleted.
 */
public final class MoveOffline {
  /** Fixed lifetime of the new root, as garage-sign's DEFAULT_ROOT_LIFETIME. */
  public static final Duration ROOT_LIFETIME = Duration.ofDays(365);

  /** The signed new root between signing and the end of the rotation. */
  public static final String PENDING = "root.json.pending";

  /**
   * @param repo the repository
   * @param newRoot key in keys/ that becomes the only root key, or null to only save the old key
   * @param newTargets key in keys/ that becomes the only targets key (reposerver), or null
   * @param oldRootAlias name under which the old root key is saved in keys/
   * @param oldKeyId the old root key's ID, or null for the last root key of the server's root
   * @param keepOldRootKey keep {@code keys/<oldRootAlias>.sec} after a completed rotation
   */
  public record Request(
      Repository repo,
      String newRoot,
      String newTargets,
      String oldRootAlias,
      String oldKeyId,
      boolean keepOldRootKey) {}

  private final OperationContext ops;

  /**
   * @param ops its signers open the new and the old root key; the new root expires {@link
   *     #ROOT_LIFETIME} after its clock's now
   */
  public MoveOffline(OperationContext ops) {
    this.ops = ops;
  }

  public MoveOfflineResult run(Request request) {
    return new Run(request).run();
  }

  /** The state of one run. */
  private final class Run {
    private final Request rq;
    private final Repository repo;
    private final KeyDirectory keys;
    private final Path pending;
    private final boolean director;
    private final String alias;
    private final List<Path> written = new ArrayList<>();
    private TufServerClient client;
    private boolean resumed;
    private boolean fetched;

    Run(Request rq) {
      this.rq = rq;
      this.repo = rq.repo();
      this.keys = repo.keys();
      this.pending = repo.rolesDir().resolve(PENDING);
      this.director = repo.config().isDirector();
      this.alias = rq.oldRootAlias();
    }

    MoveOfflineResult run() {
      KeyDirectory.checkName(alias);
      if (director && rq.newTargets() != null) {
        throw usage(
            "--new-targets is not allowed for a Director repository",
            "the Director keeps its targets key online; pass only --new-root");
      }
      if (!director && rq.newRoot() != null && rq.newTargets() == null) {
        throw usage(
            "--new-targets is required with --new-root",
            "generate one with 'key generate -n <name>' and pass --new-targets <name>");
      }
      if (rq.newRoot() == null && rq.newTargets() != null) {
        throw usage("--new-targets needs --new-root", "pass both, or neither");
      }
      try (RepoLock lock = repo.lock()) {
        client = ops.server(repo);
        SignedMetadata server = client.root();
        RootRole sr = RootRole.of(server, "root.json from " + client.server());
        if (Files.exists(pending)) {
          resumed = true;
          return resume(server, sr);
        }
        if (rq.newRoot() != null && alreadyMoved(sr)) {
          ops.progress()
              .info(
                  "root keys are already offline: the server's root v"
                      + sr.version()
                      + " lists only '"
                      + rq.newRoot()
                      + "' as root key; nothing to do");
          writeRoot(server);
          return result(MoveOfflineResult.Outcome.ALREADY_OFFLINE, sr, null, null, false);
        }
        if (!director && repo.unsignedRole(RootRole.TARGETS).isEmpty()) {
          // the pull happens under this run's lock, with its client, checked against the server's
          // root
          ops.progress()
              .info(
                  new PullTargets(ops)
                      .pull(new PullTargets.Request(repo, false, false), client, sr)
                      .summary());
        }
        List<String> rootIds = sr.role(RootRole.ROOT).keyIds();
        String oldId =
            rq.oldKeyId() != null
                ? rq.oldKeyId()
                : rootIds.isEmpty() ? null : rootIds.get(rootIds.size() - 1);
        if (oldId == null || !rootIds.contains(oldId)) {
          throw failed(
              "key "
                  + oldId
                  + " is not a root key of the server's root v"
                  + sr.version()
                  + " (root keys: "
                  + String.join(", ", rootIds)
                  + ")",
              "pass one of those with --old-keyid");
        }
        Signer oldSigner = obtainOldKey(sr, oldId);
        if (rq.newRoot() == null) {
          ops.progress()
              .info("root keys moved offline, but you'll have to manually sign and push key!");
          ops.progress()
              .warn(
                  "unlike garage-sign, the server's copy of root key "
                      + oldId
                      + " was NOT deleted: it goes when a root that no longer lists it is pushed"
                      + " ('root sign' + 'root push'), or run move-offline again with --new-root and"
                      + " --new-targets to rotate and delete it");
          return result(
              MoveOfflineResult.Outcome.OLD_KEY_SAVED,
              sr,
              oldId,
              MoveOfflineResult.ServerCopy.KEPT,
              false);
        }
        if (director) {
          for (String id : sr.role(RootRole.TARGETS).keyIds()) {
            if (client.privateKey(id).isEmpty()) {
              throw failed(
                  "the Director's targets key " + id + " is not online on the server",
                  "the Director needs its targets key online; nothing was changed");
            }
          }
        }
        SignedMetadata next;
        try (Signer newSigner = ops.signers().open(keys, rq.newRoot())) {
          TufKey targetsKey = director ? null : keys.publicKey(rq.newTargets());
          next = build(sr, newSigner, targetsKey, oldSigner);
        }
        AtomicFiles.write(pending, MetadataJson.pretty(next.toJson()), AtomicFiles.PUBLIC);
        return pushAndFinish(next, oldId);
      }
    }

    private boolean alreadyMoved(RootRole sr) {
      String newId = keys.publicKey(rq.newRoot()).keyId();
      if (!sr.role(RootRole.ROOT).keyIds().equals(List.of(newId))) {
        return false;
      }
      return director
          || sr.role(RootRole.TARGETS)
              .keyIds()
              .equals(List.of(keys.publicKey(rq.newTargets()).keyId()));
    }

    /**
     * The old root key: local if present (and right), else fetched and saved before anything else.
     */
    private Signer obtainOldKey(RootRole sr, String oldId) {
      restorePublicFile(sr, oldId);
      if (keys.hasPrivateFile(alias) || keys.tokenReference(alias).isPresent()) {
        Signer s = ops.signers().open(keys, alias);
        if (!s.keyId().equals(oldId)) {
          throw failed(
              "keys/"
                  + alias
                  + " holds key "
                  + s.keyId()
                  + ", but the root key to move offline is "
                  + oldId,
              "pass --old-keyid " + s.keyId() + " if that is the key meant, or another alias");
        }
        return s;
      }
      if (keys.exists(alias)) {
        throw failed(
            "keys/" + alias + " exists without a private key",
            "choose another --old-root-alias, or move " + keys.publicFile(alias) + " away");
      }
      ops.progress()
          .info("Could not read old private key locally, fetching before deleting from server");
      TufKeyPair pair =
          client
              .privateKey(oldId)
              .orElseThrow(
                  () ->
                      failed(
                          "the server does not hold the private key of root key "
                              + oldId
                              + " (it is already offline)",
                          "if you have it, save it as keys/"
                              + alias
                              + ".sec/.pub and run this again"));
      keys.writeKeyPair(alias, pair);
      written.add(keys.privateFile(alias));
      written.add(keys.publicFile(alias));
      fetched = true;
      TufKeyPair back = keys.keyPair(alias);
      if (!back.publicKey().keyId().equals(oldId)) {
        throw failed(
            "the saved key keys/" + alias + " does not read back as " + oldId,
            "check the disk; nothing was changed on the server");
      }
      ops.progress()
          .info("Saved keys to " + keys.dir() + "/{" + alias + ".sec, " + alias + ".pub}");
      return new FileSigner(back, keys.privateFile(alias).toString());
    }

    /**
     * A run killed between writing {@code <alias>.sec} and {@code <alias>.pub} leaves the private
     * key alone; if it is the old root key (checked against the server root's public key), write
     * the {@code .pub} so the re-run can go on.
     */
    private void restorePublicFile(RootRole sr, String oldId) {
      if (!keys.hasPrivateFile(alias) || Files.exists(keys.publicFile(alias))) {
        return;
      }
      Path sec = keys.privateFile(alias);
      TufKey expected = sr.keys().get(oldId);
      String hint =
          "if it is the saved old root key, restore "
              + keys.publicFile(alias)
              + "; otherwise choose another --old-root-alias. Nothing was changed on the server";
      if (expected == null) {
        throw failed(sec + " exists without " + keys.publicFile(alias), hint);
      }
      try {
        TufKeyPair.fromJson(MetadataJson.read(sec), expected, sec.toString());
      } catch (RuntimeException e) {
        throw new OperationException(
            OperationException.Kind.FAILED,
            sec
                + " exists without its .pub and is not root key "
                + oldId
                + " of the server's root: "
                + e.getMessage(),
            hint,
            e);
      }
      keys.writePublic(alias, expected);
      written.add(keys.publicFile(alias));
      ops.progress()
          .info(
              "restored "
                  + keys.publicFile(alias)
                  + " for the saved old root key "
                  + oldId
                  + " (an earlier run stopped in between)");
    }

    private SignedMetadata build(
        RootRole sr, Signer newSigner, TufKey targetsKey, Signer oldSigner) {
      RootRole nr = sr.withRole(RootRole.ROOT, List.of(newSigner.publicKey()), 1);
      if (targetsKey != null) {
        nr = nr.withRole(RootRole.TARGETS, List.of(targetsKey), 1);
      }
      nr = nr.withVersion(sr.version() + 1).withExpires(ops.now().plus(ROOT_LIFETIME));
      Set<String> kept = nr.keys().keySet();
      for (String role : sr.roleNames()) {
        if (role.equals(RootRole.ROOT) || (role.equals(RootRole.TARGETS) && targetsKey != null)) {
          continue;
        }
        for (String id : sr.role(role).keyIds()) {
          if (!kept.contains(id) || !nr.role(role).keyIds().contains(id)) {
            throw failed(
                "the new root would drop key " + id + " of role '" + role + "'",
                "the keyserver deletes every key a pushed root no longer lists; refusing. Nothing"
                    + " was changed on the server");
          }
        }
      }
      SignedMetadata md =
          MetadataSigner.sign(SignedMetadata.unsigned(nr.json()), List.of(newSigner, oldSigner));
      SignedMetadata.Verification byOld = sr.verify(md, RootRole.ROOT);
      SignedMetadata.Verification byNew = nr.verify(md, RootRole.ROOT);
      if (!byOld.thresholdMet() || !byNew.thresholdMet()) {
        throw failed(
            "the new root v"
                + nr.version()
                + " does not meet the thresholds (old root role: "
                + byOld.describe()
                + "; new root role: "
                + byNew.describe()
                + ")",
            "move-offline signs with one old key; with an old root threshold above 1 rotate by"
                + " hand: 'root key add/remove', 'root sign -k … -k …', 'root push'");
      }
      return md;
    }

    private MoveOfflineResult pushAndFinish(SignedMetadata next, String oldId) {
      try {
        client.pushRoot(next);
      } catch (ServerException e) {
        if (e.noAnswer()
            || e.status() < 400
            || (e.status() >= 500 && !"invalid_root_role".equals(e.code()))) {
          throw new OperationException(
              OperationException.Kind.FAILED,
              "pushing root v" + next.version() + " got no clear answer: " + e.getMessage(),
              "the new root may or may not be live. Nothing is lost: the old root key is in "
                  + keys.privateFile(alias)
                  + " and the signed root in "
                  + pending
                  + ". Run the same move-offline command again: it checks the server and finishes",
              e);
        }
        deletePending();
        String hint =
            "nothing changed on the server, which still holds the old root key (also saved in "
                + keys.privateFile(alias)
                + "); fix the cause and run move-offline again";
        if (RootRejection.is(e)) {
          throw RootRejection.explain(ops.progress(), e, hint);
        }
        throw new OperationException(OperationException.Kind.FAILED, e.getMessage(), hint, e);
      }
      checkServed(next);
      return finish(next, oldId);
    }

    /**
     * After the POST: a fresh GET root.json must serve exactly the pushed root (new version, new
     * root and targets keys) before anything is deleted. A success code alone proves nothing (a
     * proxy, a redirect, a hostile server).
     */
    private void checkServed(SignedMetadata next) {
      String keep =
          "nothing was deleted: the old root key is in "
              + keys.privateFile(alias)
              + " and the signed root in "
              + pending
              + ". Run the same move-offline command again: it checks the server and finishes or"
              + " pushes again";
      SignedMetadata served;
      try {
        served = client.root();
      } catch (ServerException e) {
        throw new OperationException(
            OperationException.Kind.FAILED,
            "root v"
                + next.version()
                + " was pushed, but reading it back failed: "
                + e.getMessage(),
            keep,
            e);
      }
      RootRole sr = RootRole.of(served, "root.json from " + client.server());
      if (!sameSigned(served, next)) {
        throw failed(
            "the server answered POST root as a success, but GET root.json serves root v"
                + sr.version()
                + (sr.version() == next.version() ? " with other content" : "")
                + ", not the pushed root v"
                + next.version(),
            "check that config.json's reposerver URL reaches the reposerver itself (no proxy or"
                + " redirect in between); "
                + keep);
      }
    }

    /**
     * The server serves {@code next} (checked just before): delete its copy of the old root key,
     * save the root locally, remove the old key file, then the pending file.
     */
    private MoveOfflineResult finish(SignedMetadata next, String oldId) {
      boolean deleted;
      try {
        deleted = client.deletePrivateKey(oldId);
        if (!deleted) {
          ops.progress().info(alreadyDeleted(oldId, next));
        }
      } catch (ServerException e) {
        if (!keyNotFound(e)) {
          throw deleteFailed(next, e);
        }
        deleted = false;
        ops.progress().info(alreadyDeleted(oldId, next));
      }
      writeRoot(next);
      Path sec = keys.privateFile(alias);
      boolean removed = false;
      if (rq.keepOldRootKey()) {
        if (Files.exists(sec)) {
          ops.progress()
              .warn(
                  "kept "
                      + sec
                      + " (--keep-old-root-key): it can still sign a root for vehicles on root v"
                      + (next.version() - 1)
                      + "; store it offline or remove it");
        }
      } else if (keys.destroyPrivateFile(alias)) {
        removed = true;
        ops.progress()
            .info(
                "removed "
                    + sec
                    + " (the old root key, overwritten; --keep-old-root-key keeps it); "
                    + keys.publicFile(alias)
                    + " stays");
      }
      deletePending();
      ops.progress().info("root keys moved offline, root.json saved to " + repo.dir());
      if (!director) {
        ops.progress()
            .info(
                "next: the server still serves targets.json signed by the old targets key; sign and"
                    + " push targets with '"
                    + rq.newTargets()
                    + "' now ('targets sign -r "
                    + repo.name()
                    + " --key-name "
                    + rq.newTargets()
                    + "', 'targets push -r "
                    + repo.name()
                    + "')");
      }
      return result(
          MoveOfflineResult.Outcome.ROTATED,
          RootRole.of(next, pending.toString()),
          oldId,
          deleted ? MoveOfflineResult.ServerCopy.DELETED : MoveOfflineResult.ServerCopy.GONE,
          removed);
    }

    private MoveOfflineResult result(
        MoveOfflineResult.Outcome outcome,
        RootRole root,
        String oldId,
        MoveOfflineResult.ServerCopy serverCopy,
        boolean oldKeyRemoved) {
      return new MoveOfflineResult(
          outcome,
          resumed,
          client.server().toString(),
          root.version(),
          root.expires(),
          oldId,
          alias,
          fetched,
          root.role(RootRole.ROOT).keyIds(),
          root.role(RootRole.TARGETS).keyIds(),
          serverCopy,
          oldKeyRemoved ? keys.privateFile(alias) : null,
          written);
    }

    private void writeRoot(SignedMetadata root) {
      repo.writeSignedRole(RootRole.ROOT, root);
      repo.writeUnsignedRole(RootRole.ROOT, root.signed());
      written.add(repo.signedFile(RootRole.ROOT));
      written.add(repo.unsignedFile(RootRole.ROOT));
    }

    private OperationException deleteFailed(SignedMetadata next, ServerException e) {
      return new OperationException(
          OperationException.Kind.FAILED,
          "root v"
              + next.version()
              + " is live, but deleting the server's copy of the old root key failed: "
              + e.getMessage(),
          "run the same move-offline command again to finish (it only deletes the key and saves"
              + " roles/root.json); the key is saved in "
              + keys.privateFile(alias),
          e);
    }

    private MoveOfflineResult resume(SignedMetadata server, RootRole sr) {
      SignedMetadata p = SignedMetadata.fromJson(MetadataJson.read(pending), pending.toString());
      RootRole pr = RootRole.of(p, pending.toString());
      String restart =
          "re-run with the options used before, or, if that rotation is abandoned, check 'root"
              + " pull' and delete "
              + pending;
      if (rq.newRoot() == null) {
        throw failed("a move-offline with --new-root is in progress (" + pending + ")", restart);
      }
      if (!pr.role(RootRole.ROOT).keyIds().equals(List.of(keys.publicKey(rq.newRoot()).keyId()))
          || (!director
              && !pr.role(RootRole.TARGETS)
                  .keyIds()
                  .equals(List.of(keys.publicKey(rq.newTargets()).keyId())))) {
        throw failed(pending + " was made with other --new-root/--new-targets keys", restart);
      }
      boolean oldKeyHere = keys.hasPrivateFile(alias) || keys.tokenReference(alias).isPresent();
      if (!Files.exists(keys.publicFile(alias)) || (!oldKeyHere && sr.version() != pr.version())) {
        throw failed(
            "the old root key keys/" + alias + " is missing, but " + pending + " exists",
            "pass the --old-root-alias used before");
      }
      String oldId = keys.publicKey(alias).keyId();
      if (sr.version() == pr.version()) {
        // the server serves the pending root (this run's GET root.json): only the finish is left,
        // which needs the old key's ID, not the key (a run may have removed the .sec already)
        if (!sameSigned(server, p)) {
          throw failed(
              "the server's root v" + sr.version() + " is not the one in " + pending,
              "another root was pushed meanwhile; inspect it with 'root pull', then delete "
                  + pending);
        }
        ops.progress().info("root v" + pr.version() + " is already on the server; finishing");
        return finish(p, oldId);
      }
      if (sr.version() == pr.version() - 1 && sr.verify(p, RootRole.ROOT).thresholdMet()) {
        ops.progress()
            .info("resuming: pushing the signed root v" + pr.version() + " from " + pending);
        return pushAndFinish(p, oldId);
      }
      throw failed(
          "the server's root is v"
              + sr.version()
              + ", which "
              + pending
              + " (v"
              + pr.version()
              + ") does not follow",
          "another root was pushed meanwhile; inspect it with 'root pull', then delete "
              + pending
              + " and run move-offline again");
    }

    private void deletePending() {
      try {
        Files.deleteIfExists(pending);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + pending + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * "Not found" on DELETE: 404, or the reposerver's 502 {@code missing_entity} wrapping the
   * keyserver's 404 (Appendix C). Asked only once the server serves the new root, so it means the
   * keyserver already deleted the key.
   */
  static boolean keyNotFound(ServerException e) {
    return e.status() == 404 || (e.status() == 502 && "missing_entity".equals(e.code()));
  }

  private static boolean sameSigned(SignedMetadata a, SignedMetadata b) {
    return Arrays.equals(CanonicalJson.encode(a.signed()), CanonicalJson.encode(b.signed()));
  }

  private static String alreadyDeleted(String oldId, SignedMetadata next) {
    return "the server had already deleted its copy of root key "
        + oldId
        + " (the keyserver does so when it accepts a root that no longer lists a key, here v"
        + next.version()
        + ")";
  }

  private static OperationException failed(String message, String hint) {
    return new OperationException(OperationException.Kind.FAILED, message, hint);
  }

  private static OperationException usage(String message, String hint) {
    return new OperationException(OperationException.Kind.BAD_ARGUMENT, message, hint);
  }
}
