package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.StreamedEnvelope;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * {@code targets pull}: fetches targets.json, checks it against the targets role of the local
 * roles/root.json (or a given root), refuses a rollback, and saves the unsigned part and the role
 * checksum. {@code checksumOnly} saves just the checksum, for the moment after a targets key
 * rotation when the server still serves targets signed by the old key (compat spec §13 item 2).
 */
public final class PullTargets {

  /**
   * @param repo the image repository
   * @param checksumOnly save only the role checksum, without verifying the content
   * @param force accept a targets.json older than the version held locally
   */
  public record Request(Repository repo, boolean checksumOnly, boolean force) {}

  /**
   * What was pulled.
   *
   * @param version the server's targets.json version
   * @param expires its expiry, or null when unreadable
   * @param checksum the role checksum saved
   * @param checksumOnly whether only the checksum was saved
   * @param written the files written
   */
  public record Result(
      int version, Instant expires, String checksum, boolean checksumOnly, List<Path> written)
      implements OperationResult {
    @Override
    public String summary() {
      return checksumOnly
          ? "Saved the checksum of targets.json v" + version + " to " + written.get(0)
          : "Pulled targets.json v"
              + version
              + (expires == null ? "" : ", expires " + Expiry.format(expires))
              + ", into "
              + written.get(0);
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "targets pull");
      o.put("version", version);
      o.put("expires", expires == null ? null : Expiry.format(expires));
      o.put("checksum", checksum);
      o.put("checksumOnly", checksumOnly);
      written.forEach(p -> o.withArray("written").add(p.toString()));
      return o;
    }
  }

  private final OperationContext ops;

  public PullTargets(OperationContext ops) {
    this.ops = ops;
  }

  public Result run(Request request) {
    Repository repo = ImageRepository.requireForServer(request.repo());
    try (RepoLock lock = repo.lock()) {
      return pull(request, ops.server(repo), null);
    }
  }

  /**
   * The pull itself, for a caller that holds the repository lock and has a client (move-offline):
   * checks against {@code root}, or the local roles/root.json when null.
   */
  public Result pull(Request request, TufServerClient client, RootRole root) {
    Repository repo = request.repo();
    // the body goes to a scratch file in roles/ and is checked there: only a verified role
    // replaces roles/unsigned/targets.json, and no tree of a large role is built
    Path body = repo.scratchFile(RootRole.TARGETS, "pull");
    try {
      return pull(request, client, root, body);
    } finally {
      AtomicFiles.deleteQuietly(body);
    }
  }

  private Result pull(Request request, TufServerClient client, RootRole root, Path body) {
    Repository repo = request.repo();
    String checksum = client.targetsTo(body);
    StreamedEnvelope t = StreamedEnvelope.read(body, client.targetsWhat(), !request.checksumOnly());
    if (checksum == null) {
      throw new OperationException(
          Kind.FAILED,
          "the server answered targets.json without a valid x-ats-role-checksum header",
          "check that config.json's reposerver points at a reposerver (not a proxy that drops"
              + " headers)");
    }
    Instant expires = expiresOf(t.signedField("expires"));
    if (request.checksumOnly()) {
      ops.progress()
          .warn(
              "saving only the checksum of the server's targets.json v"
                  + t.version()
                  + "; its content was NOT verified against roles/root.json and"
                  + " roles/unsigned/targets.json was not changed");
      repo.writeTargetsChecksum(checksum);
      return new Result(t.version(), expires, checksum, true, List.of(repo.targetsChecksumFile()));
    }
    RootRole rr = root != null ? root : localRoot(repo);
    rr.requireValid();
    SignedMetadata.Verification v = rr.verify(t, RootRole.TARGETS);
    if (!v.thresholdMet()) {
      throw new OperationException(
          Kind.EXPLAINED,
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
    checkRollback(repo, t.version(), checksum, request.force());
    repo.writeUnsignedRole(RootRole.TARGETS, t::writeSignedPretty);
    repo.writeTargetsChecksum(checksum);
    ops.warnExpiry("targets.json v" + t.version(), t.signedField("expires"));
    return new Result(
        t.version(),
        expires,
        checksum,
        false,
        List.of(repo.unsignedFile(RootRole.TARGETS), repo.targetsChecksumFile()));
  }

  private static RootRole localRoot(Repository repo) {
    SignedMetadata local =
        repo.signedRole(RootRole.ROOT)
            .orElseThrow(
                () ->
                    new OperationException(
                        Kind.FAILED,
                        "no " + repo.signedFile(RootRole.ROOT) + " to verify targets.json against",
                        "run 'root pull -r " + repo.name() + "' first"));
    return RootRole.of(local, repo.signedFile(RootRole.ROOT).toString());
  }

  /** The expiry of a role from the server, or null when it cannot be read (warned about). */
  static Instant expiresOf(SignedMetadata md) {
    return expiresOf(md.signed().path("expires"));
  }

  /** The same from a role's {@code expires} node. */
  static Instant expiresOf(JsonNode expires) {
    try {
      return Expiry.parse(expires.asText(""), "expires");
    } catch (RuntimeException e) {
      return null;
    }
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
  private void checkRollback(Repository repo, int serverVersion, String checksum, boolean force) {
    if (repo.targetsChecksum().filter(checksum::equals).isPresent()) {
      return;
    }
    Path heldFile = null;
    int held = -1;
    for (Path p : List.of(repo.unsignedFile(RootRole.TARGETS), repo.signedFile(RootRole.TARGETS))) {
      OptionalInt v = MetadataJson.versionIn(p, p.equals(repo.signedFile(RootRole.TARGETS)));
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
      ops.progress().warn(what + "; accepted because of --force");
      return;
    }
    throw new OperationException(
        Kind.EXPLAINED,
        what + " (a rollback); nothing was written",
        "if the server really went back (e.g. restored from a backup) or the local version was"
            + " raised by hand, run 'targets pull -r "
            + repo.name()
            + " --force'");
  }
}
