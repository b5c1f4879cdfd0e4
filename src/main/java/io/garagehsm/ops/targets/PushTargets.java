package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.StreamedEnvelope;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;

/**
 * {@code targets push}: PUT roles/targets.json with the saved role checksum. Unlike garage-sign it
 * saves the checksum the server returns, so the next push works without another pull (compat spec
 * §13 item 1), and it moves the unsigned file's version up to the pushed one so the next {@code
 * targets sign} produces version + 1. Every refusal whose fix is "pull, sign again, push" (412,
 * 428, a 409 version conflict) is {@link Kind#CHECKSUM} (exit 2), as build scripts expect.
 */
public final class PushTargets {

  /**
   * What was pushed.
   *
   * @param file roles/targets.json
   * @param version its version
   * @param expires its expiry, or null when unreadable
   * @param checksum the role checksum saved for the next push
   */
  public record Result(Path file, int version, Instant expires, String checksum)
      implements OperationResult {
    @Override
    public String summary() {
      return "Pushed targets.json v"
          + version
          + (expires == null ? "" : ", expires " + Expiry.format(expires))
          + ", from "
          + file;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "targets push");
      o.put("file", file.toString());
      o.put("version", version);
      o.put("expires", expires == null ? null : Expiry.format(expires));
      o.put("checksum", checksum);
      return o;
    }
  }

  private final OperationContext ops;

  public PushTargets(OperationContext ops) {
    this.ops = ops;
  }

  public Result run(Repository repository) {
    Repository repo = ImageRepository.requireForServer(repository);
    try (RepoLock lock = repo.lock()) {
      String hint =
          "sign the targets first: 'targets sign -r " + repo.name() + " --key-name <key>'";
      // streamed: the body is written from the file (no tree of a large role), gzipped through a
      // scratch file in roles/
      StreamedEnvelope targets = repo.requireSignedRoleStreamed(RootRole.TARGETS, hint, false);
      String checksum =
          repo.targetsChecksum()
              .orElseThrow(
                  () ->
                      new OperationException(
                          Kind.FAILED,
                          repo.targetsChecksumFile()
                              + " does not exist: the push needs the checksum of the server's"
                              + " current targets.json",
                          "run 'targets pull -r "
                              + repo.name()
                              + "' first (after a targets key rotation: 'targets pull -r "
                              + repo.name()
                              + " --checksum-only')"));
      String newSum;
      Path spill = repo.scratchFile(RootRole.TARGETS, "push");
      try {
        newSum = ops.server(repo).pushTargets(targets, checksum, spill);
      } catch (ServerException e) {
        throw refusal(repo, e);
      } finally {
        AtomicFiles.deleteQuietly(spill);
      }
      if (newSum == null) {
        newSum = repo.requireSignedRoleStreamed(RootRole.TARGETS, hint, true).checksum();
      }
      repo.writeTargetsChecksum(newSum);
      syncUnsignedVersion(repo, targets.version());
      ops.warnExpiry("targets.json v" + targets.version(), targets.signedField("expires"));
      return new Result(
          repo.signedFile(RootRole.TARGETS),
          targets.version(),
          PullTargets.expiresOf(targets.signedField("expires")),
          newSum);
    }
  }

  /**
   * The server's refusal in garage-sign's terms: exit 2 where pulling and signing again fixes it.
   */
  private OperationException refusal(Repository repo, ServerException e) {
    String pullHint =
        "the server's targets.json changed since "
            + "roles/targets.json.checksum was saved: run 'targets pull -r "
            + repo.name()
            + "', re-apply your changes, sign and push again";
    if (e.status() == 412) {
      return new OperationException(
          Kind.CHECKSUM,
          "could not overwrite targets, trying to update an older version of role. Did you run"
              + " `targets pull` ?",
          pullHint,
          e);
    }
    if (e.status() == 428) {
      return new OperationException(
          Kind.CHECKSUM,
          "the server requires the role checksum of its current targets.json (HTTP 428)",
          pullHint,
          e);
    }
    if (e.status() == 409) {
      // e.g. the same signed file pushed twice: "Cannot bump version from 2 to 2"
      return new OperationException(
          Kind.CHECKSUM,
          e.getMessage(),
          "the version must be the server's version + 1: run 'targets pull -r "
              + repo.name()
              + "', sign again and push",
          e);
    }
    if (e.status() == 400) {
      for (String r : e.reasons()) {
        ops.progress().info("  - " + r);
      }
      return new OperationException(
          Kind.FAILED,
          e.getMessage(),
          "targets.json must be signed by a threshold of the targets keys of the server's current"
              + " root ('root pull' shows them)",
          e);
    }
    return new OperationException(Kind.FAILED, e.getMessage(), e.hint(), e);
  }

  /**
   * After a push, the unsigned file should not lag behind the pushed version. Streamed: the version
   * is read without a tree and the file rewritten only when it is lower.
   */
  private static void syncUnsignedVersion(Repository repo, int pushed) {
    Path f = repo.unsignedFile(RootRole.TARGETS);
    OptionalInt held = MetadataJson.versionIn(f, false);
    if (held.isPresent() && held.getAsInt() < pushed) {
      repo.writeUnsignedRole(
          RootRole.TARGETS, out -> MetadataJson.writeWithVersion(f, pushed, out));
    }
  }
}
