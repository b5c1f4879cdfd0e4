package io.garagehsm.ops.rotation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SigningKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a move-offline run did.
 *
 * @param outcome how far it went
 * @param resumed whether it finished a rotation an earlier run started (a pending root)
 * @param server the reposerver or director URL
 * @param rootVersion version of the root the server serves now
 * @param rootExpires that root's expiry
 * @param oldKeyId the old root key's ID, or null when nothing was moved
 * @param oldRootAlias where the old root key is saved in keys/
 * @param oldKeyFetched whether the old root key was fetched from the server in this run
 * @param rootKeyIds the root role's key IDs in the server's root now
 * @param targetsKeyIds the targets role's key IDs in the server's root now
 * @param serverCopy what became of the server's copy of the old root key, or null when no old key
 *     was involved
 * @param oldKeyRemoved the removed {@code keys/<alias>.sec}, or null when it was kept
 * @param filesWritten files this run wrote
 */
public record MoveOfflineResult(
    Outcome outcome,
    boolean resumed,
    String server,
    int rootVersion,
    Instant rootExpires,
    String oldKeyId,
    String oldRootAlias,
    boolean oldKeyFetched,
    List<String> rootKeyIds,
    List<String> targetsKeyIds,
    ServerCopy serverCopy,
    Path oldKeyRemoved,
    List<Path> filesWritten)
    implements OperationResult {

  public MoveOfflineResult {
    rootKeyIds = List.copyOf(rootKeyIds);
    targetsKeyIds = List.copyOf(targetsKeyIds);
    filesWritten = List.copyOf(filesWritten);
  }

  /** How far a run went. */
  public enum Outcome {
    /** Root v+1 with the new keys is live; the old root key is off the server. */
    ROTATED,
    /** The server's root already lists only the new keys; nothing was changed. */
    ALREADY_OFFLINE,
    /** No new root key was given: the old root key was saved locally, the server keeps its copy. */
    OLD_KEY_SAVED
  }

  /** The server's copy of the old root key. */
  public enum ServerCopy {
    /** Deleted by this run. */
    DELETED,
    /** Already gone (the keyserver drops a key the accepted root no longer lists). */
    GONE,
    /** Still on the server. */
    KEPT
  }

  @Override
  public String summary() {
    return switch (outcome) {
      case ROTATED ->
          (resumed ? "finished move-offline: " : "moved root keys offline: ")
              + "root.json v"
              + rootVersion
              + " live on "
              + server
              + ", expires "
              + Expiry.format(rootExpires)
              + ", root key "
              + ids(rootKeyIds)
              + ", targets key "
              + ids(targetsKeyIds)
              + "; old root key "
              + SigningKey.shortId(oldKeyId)
              + (serverCopy == ServerCopy.DELETED
                  ? " deleted from the server"
                  : " already gone from the server")
              + (oldKeyRemoved != null
                  ? ", its local copy removed"
                  : ", kept in keys/" + oldRootAlias);
      case ALREADY_OFFLINE ->
          "move-offline: nothing to do, the server's root.json v"
              + rootVersion
              + " already lists only root key "
              + ids(rootKeyIds);
      case OLD_KEY_SAVED ->
          "saved old root key "
              + SigningKey.shortId(oldKeyId)
              + " as keys/"
              + oldRootAlias
              + (oldKeyFetched ? " (fetched from the server)" : "")
              + "; the server's root.json v"
              + rootVersion
              + " and its copy of the key are unchanged";
    };
  }

  private static String ids(List<String> ids) {
    return ids.stream().map(SigningKey::shortId).collect(Collectors.joining(", "));
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("command", "move-offline");
    o.put("outcome", outcome.name().toLowerCase(Locale.ROOT));
    o.put("resumed", resumed);
    o.put("server", server);
    ObjectNode root = o.putObject("root");
    root.put("version", rootVersion);
    root.put("expires", Expiry.format(rootExpires));
    ids(root.putArray("rootKeyIds"), rootKeyIds);
    ids(root.putArray("targetsKeyIds"), targetsKeyIds);
    if (oldKeyId == null) {
      o.putNull("oldRootKey");
      return files(o);
    }
    ObjectNode old = o.putObject("oldRootKey");
    old.put("keyid", oldKeyId);
    old.put("alias", oldRootAlias);
    old.put("fetchedFromServer", oldKeyFetched);
    old.put("serverCopy", serverCopy.name().toLowerCase(Locale.ROOT));
    old.put("localCopyRemoved", oldKeyRemoved == null ? null : oldKeyRemoved.toString());
    return files(o);
  }

  private ObjectNode files(ObjectNode o) {
    ArrayNode files = o.putArray("filesWritten");
    filesWritten.stream().distinct().forEach(p -> files.add(p.toString()));
    return o;
  }

  private static void ids(ArrayNode into, List<String> ids) {
    ids.forEach(into::add);
  }
}
