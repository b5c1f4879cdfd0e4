package io.garagehsm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code targets push}: PUT roles/targets.json with the saved role checksum. Unlike garage-sign it
 * saves the checksum the server returns, so the next push works without another pull (compat spec
 * §13 item 1), and it moves the unsigned file's version up to the pushed one so the next {@code
 * targets sign} produces version + 1.
 */
@Command(name = "push", description = "Push roles/targets.json to the server.")
final class TargetsPushCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  TargetsPushCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    Repository repo = ctx.repo(repoOption.repo);
    ServerAccess.requireReposerver(repo);
    try (RepoLock lock = repo.lock()) {
      SignedMetadata targets =
          repo.signedRole(RootRole.TARGETS)
              .orElseThrow(
                  () ->
                      new CliException(
                          ExitCodes.OTHER,
                          repo.signedFile(RootRole.TARGETS) + " does not exist",
                          "sign the targets first: 'targets sign -r "
                              + repoOption.repo
                              + " --key-name <key>'"));
      String checksum =
          repo.targetsChecksum()
              .orElseThrow(
                  () ->
                      new CliException(
                          ExitCodes.OTHER,
                          repo.targetsChecksumFile()
                              + " does not exist: the push needs the checksum of the server's"
                              + " current targets.json",
                          "run 'targets pull -r "
                              + repoOption.repo
                              + "' first (after a targets key rotation: 'targets pull -r "
                              + repoOption.repo
                              + " --checksum-only')"));
      TufServerClient client = ServerAccess.client(ctx, repo);
      String newSum;
      try {
        newSum = client.pushTargets(targets, checksum);
      } catch (ServerException e) {
        throw translate(e);
      }
      if (newSum == null) {
        newSum = targets.checksum();
      }
      repo.writeTargetsChecksum(newSum);
      syncUnsignedVersion(repo, targets.version());
      ServerAccess.warnExpiry(ctx, "targets.json v" + targets.version(), targets);
      ctx.info("Pushed targets");
      return ExitCodes.OK;
    }
  }

  private CliException translate(ServerException e) {
    String pullHint =
        "the server's targets.json changed since "
            + "roles/targets.json.checksum was saved: run 'targets pull -r "
            + repoOption.repo
            + "', re-apply your changes, sign and push again";
    if (e.status() == 412) {
      return new CliException(
          ExitCodes.CHECKSUM,
          "could not overwrite targets, trying to update an older version of role. Did you run"
              + " `targets pull` ?",
          pullHint,
          e);
    }
    if (e.status() == 428) {
      return new CliException(
          ExitCodes.CHECKSUM,
          "the server requires the role checksum of its current targets.json (HTTP 428)",
          pullHint,
          e);
    }
    if (e.status() == 409) {
      return new CliException(
          ExitCodes.OTHER,
          e.getMessage(),
          "the version must be the server's version + 1: run 'targets pull', then sign again",
          e);
    }
    if (e.status() == 400) {
      for (String r : e.reasons()) {
        ctx.info("  - " + r);
      }
      return new CliException(
          ExitCodes.OTHER,
          e.getMessage(),
          "targets.json must be signed by a threshold of the targets keys of the server's current"
              + " root ('root pull' shows them)",
          e);
    }
    return new CliException(ExitCodes.OTHER, e.getMessage(), e.hint(), e);
  }

  /** After a push, the unsigned file should not lag behind the pushed version. */
  private static void syncUnsignedVersion(Repository repo, int pushed) {
    Optional<ObjectNode> unsigned = repo.unsignedRole(RootRole.TARGETS);
    if (unsigned.isPresent()) {
      ObjectNode u = unsigned.get();
      if (u.path("version").isIntegralNumber() && u.get("version").intValue() < pushed) {
        u.put("version", pushed);
        repo.writeUnsignedRole(RootRole.TARGETS, u);
      }
    }
  }
}
