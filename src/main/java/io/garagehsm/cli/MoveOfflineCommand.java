package io.garagehsm.cli;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
 *       keys/<old-root-alias>.sec} (overwritten; {@code --keep-old-root-key} keeps it), remove the
 *       pending file.
 * </ol>
 *
 * <p>Re-running the same command after a failure at any step resumes: a pending root the server
 * already serves is finished (delete + write), one it lacks is pushed again. Without {@code
 * --new-root}, the old key is fetched and saved but, unlike garage-sign, the server's copy is NOT
 * deleted.
 */
@Command(
    name = "move-offline",
    description = {
      "Move the online root key (and targets key) off the server: save the old root key in"
          + " keys/<old-root-alias>, push a root v+1 with the new keys, check that the server"
          + " serves it, then delete the server's copy.",
      "When the rotation is complete, keys/<old-root-alias>.sec is overwritten and removed"
          + " (--keep-old-root-key keeps it); the .pub stays.",
      "Safe to re-run after any failure: progress is kept in roles/root.json.pending."
    })
final class MoveOfflineCommand implements Callable<Integer> {
  /** Fixed lifetime of the new root, as garage-sign's DEFAULT_ROOT_LIFETIME. */
  static final Duration ROOT_LIFETIME = Duration.ofDays(365);

  /** The signed new root between signing and the end of the rotation. */
  static final String PENDING = "root.json.pending";

  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = "--new-root",
      paramLabel = "<key>",
      description = "Key that becomes the only root key (file or token key in keys/).")
  String newRoot;

  @Option(
      names = "--new-targets",
      paramLabel = "<key>",
      description = "Key that becomes the only targets key (public key in keys/).")
  String newTargets;

  @Option(
      names = "--old-root-alias",
      required = true,
      paramLabel = "<name>",
      description = "Name under which the old root key is saved in keys/.")
  String oldRootAlias;

  @Option(
      names = "--old-keyid",
      paramLabel = "<keyid>",
      description = "Old root key ID (default: the last key ID of the server root's root role).")
  String oldKeyId;

  @Option(
      names = "--keep-old-root-key",
      description =
          "Keep keys/<old-root-alias>.sec after a completed rotation. By default it is"
              + " overwritten and removed: it can still sign a new root for vehicles on the old"
              + " one.")
  boolean keepOldRootKey;

  private Repository repo;
  private KeyDirectory keys;
  private Path pending;
  private boolean director;

  MoveOfflineCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    repo = ctx.repo(repoOption.repo);
    keys = repo.keys();
    pending = repo.rolesDir().resolve(PENDING);
    director = repo.config().isDirector();
    KeyDirectory.checkName(oldRootAlias);
    if (director && newTargets != null) {
      throw new CliException(
          ExitCodes.USAGE,
          "--new-targets is not allowed for a Director repository",
          "the Director keeps its targets key online; pass only --new-root");
    }
    if (!director && newRoot != null && newTargets == null) {
      throw new CliException(
          ExitCodes.USAGE,
          "--new-targets is required with --new-root",
          "generate one with 'key generate -n <name>' and pass --new-targets <name>");
    }
    if (newRoot == null && newTargets != null) {
      throw new CliException(
          ExitCodes.USAGE, "--new-targets needs --new-root", "pass both, or neither");
    }
    try (RepoLock lock = repo.lock()) {
      TufServerClient client = ServerAccess.client(ctx, repo);
      SignedMetadata server = client.root();
      RootRole sr = RootRole.of(server, "root.json from " + client.server());
      if (Files.exists(pending)) {
        return resume(client, server, sr);
      }
      if (newRoot != null && alreadyMoved(sr)) {
        ctx.info(
            "root keys are already offline: the server's root v"
                + sr.version()
                + " lists only '"
                + newRoot
                + "' as root key; nothing to do");
        repo.writeSignedRole(RootRole.ROOT, server);
        repo.writeUnsignedRole(RootRole.ROOT, server.signed());
        return ExitCodes.OK;
      }
      if (!director && repo.unsignedRole(RootRole.TARGETS).isEmpty()) {
        TargetsPullCommand.pull(ctx, repo, client, sr, false);
      }
      List<String> rootIds = sr.role(RootRole.ROOT).keyIds();
      String oldId =
          oldKeyId != null ? oldKeyId : rootIds.isEmpty() ? null : rootIds.get(rootIds.size() - 1);
      if (oldId == null || !rootIds.contains(oldId)) {
        throw new CliException(
            ExitCodes.OTHER,
            "key "
                + oldId
                + " is not a root key of the server's root v"
                + sr.version()
                + " (root keys: "
                + String.join(", ", rootIds)
                + ")",
            "pass one of those with --old-keyid");
      }
      Signer oldSigner = obtainOldKey(client, sr, oldId);
      if (newRoot == null) {
        ctx.info("root keys moved offline, but you'll have to manually sign and push key!");
        ctx.warn(
            "unlike garage-sign, the server's copy of root key "
                + oldId
                + " was NOT deleted: it goes when a root that no longer lists it is pushed"
                + " ('root sign' + 'root push'), or run move-offline again with --new-root and"
                + " --new-targets to rotate and delete it");
        return ExitCodes.OK;
      }
      if (director) {
        for (String id : sr.role(RootRole.TARGETS).keyIds()) {
          if (client.privateKey(id).isEmpty()) {
            throw new CliException(
                ExitCodes.OTHER,
                "the Director's targets key " + id + " is not online on the server",
                "the Director needs its targets key online; nothing was changed");
          }
        }
      }
      SignedMetadata next;
      try (Signer newSigner = ctx.signer(keys, newRoot)) {
        TufKey targetsKey = director ? null : keys.publicKey(newTargets);
        next = build(sr, newSigner, targetsKey, oldSigner);
      }
      AtomicFiles.write(pending, MetadataJson.pretty(next.toJson()), AtomicFiles.PUBLIC);
      return pushAndFinish(client, next, oldId);
    }
  }

  private boolean alreadyMoved(RootRole sr) {
    String newId = keys.publicKey(newRoot).keyId();
    if (!sr.role(RootRole.ROOT).keyIds().equals(List.of(newId))) {
      return false;
    }
    return director
        || sr.role(RootRole.TARGETS).keyIds().equals(List.of(keys.publicKey(newTargets).keyId()));
  }

  /**
   * The old root key: local if present (and right), else fetched and saved before anything else.
   */
  private Signer obtainOldKey(TufServerClient client, RootRole sr, String oldId) {
    restorePublicFile(sr, oldId);
    if (keys.hasPrivateFile(oldRootAlias) || keys.tokenReference(oldRootAlias).isPresent()) {
      Signer s = ctx.signer(keys, oldRootAlias);
      if (!s.keyId().equals(oldId)) {
        throw new CliException(
            ExitCodes.OTHER,
            "keys/"
                + oldRootAlias
                + " holds key "
                + s.keyId()
                + ", but the root key to move offline is "
                + oldId,
            "pass --old-keyid " + s.keyId() + " if that is the key meant, or another alias");
      }
      return s;
    }
    if (keys.exists(oldRootAlias)) {
      throw new CliException(
          ExitCodes.OTHER,
          "keys/" + oldRootAlias + " exists without a private key",
          "choose another --old-root-alias, or move " + keys.publicFile(oldRootAlias) + " away");
    }
    ctx.info("Could not read old private key locally, fetching before deleting from server");
    TufKeyPair pair =
        client
            .privateKey(oldId)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCodes.OTHER,
                        "the server does not hold the private key of root key "
                            + oldId
                            + " (it is already offline)",
                        "if you have it, save it as keys/"
                            + oldRootAlias
                            + ".sec/.pub and run this again"));
    keys.writeKeyPair(oldRootAlias, pair);
    TufKeyPair back = keys.keyPair(oldRootAlias);
    if (!back.publicKey().keyId().equals(oldId)) {
      throw new CliException(
          ExitCodes.OTHER,
          "the saved key keys/" + oldRootAlias + " does not read back as " + oldId,
          "check the disk; nothing was changed on the server");
    }
    ctx.info(
        "Saved keys to " + keys.dir() + "/{" + oldRootAlias + ".sec, " + oldRootAlias + ".pub}");
    return new FileSigner(back, keys.privateFile(oldRootAlias).toString());
  }

  /**
   * A run killed between writing {@code <alias>.sec} and {@code <alias>.pub} leaves the private key
   * alone; if it is the old root key (checked against the server root's public key), write the
   * {@code .pub} so the re-run can go on.
   */
  private void restorePublicFile(RootRole sr, String oldId) {
    if (!keys.hasPrivateFile(oldRootAlias) || Files.exists(keys.publicFile(oldRootAlias))) {
      return;
    }
    Path sec = keys.privateFile(oldRootAlias);
    TufKey expected = sr.keys().get(oldId);
    String hint =
        "if it is the saved old root key, restore "
            + keys.publicFile(oldRootAlias)
            + "; otherwise choose another --old-root-alias. Nothing was changed on the server";
    if (expected == null) {
      throw new CliException(
          ExitCodes.OTHER, sec + " exists without " + keys.publicFile(oldRootAlias), hint);
    }
    try {
      TufKeyPair.fromJson(MetadataJson.read(sec), expected, sec.toString());
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCodes.OTHER,
          sec
              + " exists without its .pub and is not root key "
              + oldId
              + " of the server's root: "
              + e.getMessage(),
          hint,
          e);
    }
    keys.writePublic(oldRootAlias, expected);
    ctx.info(
        "restored "
            + keys.publicFile(oldRootAlias)
            + " for the saved old root key "
            + oldId
            + " (an earlier run stopped in between)");
  }

  private SignedMetadata build(RootRole sr, Signer newSigner, TufKey targetsKey, Signer oldSigner) {
    RootRole nr = sr.withRole(RootRole.ROOT, List.of(newSigner.publicKey()), 1);
    if (targetsKey != null) {
      nr = nr.withRole(RootRole.TARGETS, List.of(targetsKey), 1);
    }
    nr = nr.withVersion(sr.version() + 1).withExpires(ctx.clock().instant().plus(ROOT_LIFETIME));
    Set<String> kept = nr.keys().keySet();
    for (String role : sr.roleNames()) {
      if (role.equals(RootRole.ROOT) || (role.equals(RootRole.TARGETS) && targetsKey != null)) {
        continue;
      }
      for (String id : sr.role(role).keyIds()) {
        if (!kept.contains(id) || !nr.role(role).keyIds().contains(id)) {
          throw new CliException(
              ExitCodes.OTHER,
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
      throw new CliException(
          ExitCodes.OTHER,
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

  private int pushAndFinish(TufServerClient client, SignedMetadata next, String oldId) {
    try {
      client.pushRoot(next);
    } catch (ServerException e) {
      if (e.noAnswer()
          || e.status() < 400
          || (e.status() >= 500 && !"invalid_root_role".equals(e.code()))) {
        throw new CliException(
            ExitCodes.OTHER,
            "pushing root v" + next.version() + " got no clear answer: " + e.getMessage(),
            "the new root may or may not be live. Nothing is lost: the old root key is in "
                + keys.privateFile(oldRootAlias)
                + " and the signed root in "
                + pending
                + ". Run the same move-offline command again: it checks the server and finishes",
            e);
      }
      deletePending();
      String hint =
          "nothing changed on the server, which still holds the old root key (also saved in "
              + keys.privateFile(oldRootAlias)
              + "); fix the cause and run move-offline again";
      if (ServerAccess.isRootRejection(e)) {
        throw ServerAccess.rootRejected(ctx, e, hint);
      }
      throw new CliException(ExitCodes.OTHER, e.getMessage(), hint, e);
    }
    checkServed(client, next);
    return finish(client, next, oldId);
  }

  /**
   * After the POST: a fresh GET root.json must serve exactly the pushed root (new version, new root
   * and targets keys) before anything is deleted. A success code alone proves nothing (a proxy, a
   * redirect, a hostile server).
   */
  private void checkServed(TufServerClient client, SignedMetadata next) {
    String keep =
        "nothing was deleted: the old root key is in "
            + keys.privateFile(oldRootAlias)
            + " and the signed root in "
            + pending
            + ". Run the same move-offline command again: it checks the server and finishes or"
            + " pushes again";
    SignedMetadata served;
    try {
      served = client.root();
    } catch (ServerException e) {
      throw new CliException(
          ExitCodes.OTHER,
          "root v" + next.version() + " was pushed, but reading it back failed: " + e.getMessage(),
          keep,
          e);
    }
    RootRole sr = RootRole.of(served, "root.json from " + client.server());
    if (!Arrays.equals(
        CanonicalJson.encode(served.signed()), CanonicalJson.encode(next.signed()))) {
      throw new CliException(
          ExitCodes.OTHER,
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
   * The server serves {@code next} (checked just before): delete its copy of the old root key, save
   * the root locally, remove the old key file, then the pending file.
   */
  private int finish(TufServerClient client, SignedMetadata next, String oldId) {
    try {
      if (!client.deletePrivateKey(oldId)) {
        ctx.info(alreadyDeleted(oldId, next));
      }
    } catch (ServerException e) {
      if (!keyNotFound(e)) {
        throw deleteFailed(next, e);
      }
      ctx.info(alreadyDeleted(oldId, next));
    }
    repo.writeSignedRole(RootRole.ROOT, next);
    repo.writeUnsignedRole(RootRole.ROOT, next.signed());
    Path sec = keys.privateFile(oldRootAlias);
    if (keepOldRootKey) {
      if (Files.exists(sec)) {
        ctx.warn(
            "kept "
                + sec
                + " (--keep-old-root-key): it can still sign a root for vehicles on root v"
                + (next.version() - 1)
                + "; store it offline or remove it");
      }
    } else if (keys.destroyPrivateFile(oldRootAlias)) {
      ctx.info(
          "removed "
              + sec
              + " (the old root key, overwritten; --keep-old-root-key keeps it); "
              + keys.publicFile(oldRootAlias)
              + " stays");
    }
    deletePending();
    ctx.info("root keys moved offline, root.json saved to " + repo.dir());
    if (!director) {
      ctx.info(
          "next: the server still serves targets.json signed by the old targets key; sign and push"
              + " targets with '"
              + newTargets
              + "' now ('targets sign -r "
              + repoOption.repo
              + " --key-name "
              + newTargets
              + "', 'targets push -r "
              + repoOption.repo
              + "')");
    }
    return ExitCodes.OK;
  }

  /**
   * "Not found" on DELETE: 404, or the reposerver's 502 {@code missing_entity} wrapping the
   * keyserver's 404 (Appendix C). Asked only once the server serves the new root, so it means the
   * keyserver already deleted the key.
   */
  static boolean keyNotFound(ServerException e) {
    return e.status() == 404 || (e.status() == 502 && "missing_entity".equals(e.code()));
  }

  private static String alreadyDeleted(String oldId, SignedMetadata next) {
    return "the server had already deleted its copy of root key "
        + oldId
        + " (the keyserver does so when it accepts a root that no longer lists a key, here v"
        + next.version()
        + ")";
  }

  private CliException deleteFailed(SignedMetadata next, ServerException e) {
    return new CliException(
        ExitCodes.OTHER,
        "root v"
            + next.version()
            + " is live, but deleting the server's copy of the old root key failed: "
            + e.getMessage(),
        "run the same move-offline command again to finish (it only deletes the key and saves"
            + " roles/root.json); the key is saved in "
            + keys.privateFile(oldRootAlias),
        e);
  }

  private int resume(TufServerClient client, SignedMetadata server, RootRole sr) {
    SignedMetadata p = SignedMetadata.fromJson(MetadataJson.read(pending), pending.toString());
    RootRole pr = RootRole.of(p, pending.toString());
    String restart =
        "re-run with the options used before, or, if that rotation is abandoned, check 'root"
            + " pull' and delete "
            + pending;
    if (newRoot == null) {
      throw new CliException(
          ExitCodes.OTHER,
          "a move-offline with --new-root is in progress (" + pending + ")",
          restart);
    }
    if (!pr.role(RootRole.ROOT).keyIds().equals(List.of(keys.publicKey(newRoot).keyId()))
        || (!director
            && !pr.role(RootRole.TARGETS)
                .keyIds()
                .equals(List.of(keys.publicKey(newTargets).keyId())))) {
      throw new CliException(
          ExitCodes.OTHER, pending + " was made with other --new-root/--new-targets keys", restart);
    }
    boolean oldKeyHere =
        keys.hasPrivateFile(oldRootAlias) || keys.tokenReference(oldRootAlias).isPresent();
    if (!Files.exists(keys.publicFile(oldRootAlias))
        || (!oldKeyHere && sr.version() != pr.version())) {
      throw new CliException(
          ExitCodes.OTHER,
          "the old root key keys/" + oldRootAlias + " is missing, but " + pending + " exists",
          "pass the --old-root-alias used before");
    }
    String oldId = keys.publicKey(oldRootAlias).keyId();
    if (sr.version() == pr.version()) {
      // the server serves the pending root (this run's GET root.json): only the finish is left,
      // which needs the old key's ID, not the key (a run may have removed the .sec already)
      if (!Arrays.equals(CanonicalJson.encode(server.signed()), CanonicalJson.encode(p.signed()))) {
        throw new CliException(
            ExitCodes.OTHER,
            "the server's root v" + sr.version() + " is not the one in " + pending,
            "another root was pushed meanwhile; inspect it with 'root pull', then delete "
                + pending);
      }
      ctx.info("root v" + pr.version() + " is already on the server; finishing");
      return finish(client, p, oldId);
    }
    if (sr.version() == pr.version() - 1 && sr.verify(p, RootRole.ROOT).thresholdMet()) {
      ctx.info("resuming: pushing the signed root v" + pr.version() + " from " + pending);
      return pushAndFinish(client, p, oldId);
    }
    throw new CliException(
        ExitCodes.OTHER,
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
