package io.garagehsm.cli;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code targets pull}: fetches targets.json, checks it against the targets role of the LOCAL
 * roles/root.json, and saves the unsigned part and the role checksum. {@code --checksum-only} saves
 * just the checksum, for the moment after a targets key rotation when the server still serves
 * targets signed by the old key (compat spec §13 item 2).
 */
@Command(name = "pull", description = "Fetch targets.json and its role checksum from the server.")
final class TargetsPullCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = "--checksum-only",
      description =
          "Save only the role checksum of the server's targets.json, without verifying its"
              + " content (after a targets key rotation, to be able to push new targets).")
  boolean checksumOnly;

  @Option(
      names = "--force",
      description =
          "Accept a targets.json older than the version held locally (roles/targets.json,"
              + " roles/unsigned/targets.json); without it such a rollback is refused.")
  boolean force;

  TargetsPullCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    ServerAccess.requireReposerver(repo);
    try (RepoLock lock = repo.lock()) {
      TufServerClient client = ServerAccess.client(ctx, repo);
      pull(ctx, repo, client, null, checksumOnly, force);
      return ExitCodes.OK;
    }
  }

  /**
   * Pulls targets.json; checks it against {@code root} (or the local roles/root.json when null).
   * Shared with move-offline.
   */
  static void pull(
      CliContext ctx, Repository repo, TufServerClient client, RootRole root, boolean sumOnly) {
    pull(ctx, repo, client, root, sumOnly, false);
  }

  /** As above; {@code force} accepts a targets.json older than the one held locally. */
  static void pull(
      CliContext ctx,
      Repository repo,
      TufServerClient client,
      RootRole root,
      boolean sumOnly,
      boolean force) {
    TufServerClient.FetchedTargets f = client.targets();
    SignedMetadata t = f.targets();
    if (f.checksum() == null) {
      throw new CliException(
          ExitCodes.OTHER,
          "the server answered targets.json without a valid x-ats-role-checksum header",
          "check that config.json's reposerver points at a reposerver (not a proxy that drops"
              + " headers)");
    }
    if (sumOnly) {
      ctx.warn(
          "saving only the checksum of the server's targets.json v"
              + t.version()
              + "; its content was NOT verified against roles/root.json and"
              + " roles/unsigned/targets.json was not changed");
      repo.writeTargetsChecksum(f.checksum());
      ctx.info(
          "Saved the checksum of targets.json v"
              + t.version()
              + " to "
              + repo.targetsChecksumFile());
      return;
    }
    RootRole rr = root;
    if (rr == null) {
      SignedMetadata local =
          repo.signedRole(RootRole.ROOT)
              .orElseThrow(
                  () ->
                      new CliException(
                          ExitCodes.OTHER,
                          "no "
                              + repo.signedFile(RootRole.ROOT)
                              + " to verify targets.json against",
                          "run 'root pull -r " + repo.name() + "' first"));
      rr = RootRole.of(local, repo.signedFile(RootRole.ROOT).toString());
    }
    rr.requireValid();
    SignedMetadata.Verification v = rr.verify(t, RootRole.TARGETS);
    if (!v.thresholdMet()) {
      throw new CliException(
          ExitCodes.EXPLAINED,
          "targets.json v"
              + t.version()
              + " from the server is not signed by the targets role of root v"
              + rr.version()
              + ": "
              + v.describe()
              + (v.valid().isEmpty() && !v.unknown().isEmpty()
                  ? " (key required for role validation not found in authoritative role)"
                  : ""),
          "after a targets key rotation (move-offline) the server serves targets signed by the"
              + " old key until targets signed with the new key are pushed: run 'targets pull -r "
              + repo.name()
              + " --checksum-only', then sign and push targets with the new key ('targets sign -r "
              + repo.name()
              + " --key-name "
              + targetsKeyName(repo, rr).orElse("<new targets key>")
              + "', 'targets push -r "
              + repo.name()
              + "'). Otherwise run 'root pull' to get the current root");
    }
    checkRollback(ctx, repo, t.version(), f.checksum(), force);
    repo.writeUnsignedRole(RootRole.TARGETS, t.signed());
    repo.writeTargetsChecksum(f.checksum());
    ServerAccess.warnExpiry(ctx, "targets.json v" + t.version(), t);
    ctx.info("Pulled targets");
  }

  /** The name in keys/ of a key of the root's targets role, for the hint; empty if none. */
  private static Optional<String> targetsKeyName(Repository repo, RootRole root) {
    List<String> ids = root.role(RootRole.TARGETS).keyIds();
    try (Stream<Path> files = Files.list(repo.keys().dir())) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".pub"))
          .map(n -> n.substring(0, n.length() - ".pub".length()))
          .sorted()
          .filter(
              n -> {
                try {
                  return ids.contains(repo.keys().publicKey(n).keyId());
                } catch (RuntimeException e) {
                  return false; // an unreadable .pub is no candidate
                }
              })
          .findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /**
   * Refuses a validly signed targets.json older than the newest version held locally: a server (or
   * proxy) replaying old metadata would otherwise get old content re-signed under a new version.
   * The same envelope as last pulled or pushed (same role checksum) is never a rollback, so a sign
   * or increment-version that was not pushed does not block a pull.
   */
  private static void checkRollback(
      CliContext ctx, Repository repo, int serverVersion, String checksum, boolean force) {
    if (repo.targetsChecksum().filter(checksum::equals).isPresent()) {
      return;
    }
    Path heldFile = null;
    int held = -1;
    for (Path p : List.of(repo.unsignedFile(RootRole.TARGETS), repo.signedFile(RootRole.TARGETS))) {
      java.util.OptionalInt v =
          io.garagehsm.metadata.MetadataJson.versionIn(
              p, p.equals(repo.signedFile(RootRole.TARGETS)));
      if (v.isPresent() && v.getAsInt() > held) {
        held = v.getAsInt();
        heldFile = p;
      }
    }
    if (serverVersion >= held) {
      return;
    }
    String what =
        "targets.json v"
            + serverVersion
            + " from the server is older than v"
            + held
            + " held locally in "
            + heldFile;
    if (force) {
      ctx.warn(what + "; accepted because of --force");
      return;
    }
    throw new CliException(
        ExitCodes.EXPLAINED,
        what + " (a rollback); nothing was written",
        "if the server really went back (e.g. restored from a backup) or the local version was"
            + " raised by hand, run 'targets pull -r "
            + repo.name()
            + " --force'");
  }
}
