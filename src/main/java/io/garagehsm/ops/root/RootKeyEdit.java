package io.garagehsm.ops.root;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.Progress;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code root key add/remove} and {@code root targets-key add/remove}: adds keys to or removes keys
 * from a role of the unsigned root.json (threshold unchanged; keys no role references any more are
 * dropped). Signing is a separate step ({@code root sign}).
 */
public final class RootKeyEdit {
  private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");

  /**
   * @param repo the repository
   * @param role {@link RootRole#ROOT} or {@link RootRole#TARGETS}
   * @param names keys in keys/ (their .pub, file or token keys)
   * @param keyIds key IDs to remove (removal only)
   */
  public record Request(Repository repo, String role, List<String> names, List<String> keyIds) {
    public Request {
      names = List.copyOf(names);
      keyIds = List.copyOf(keyIds);
    }
  }

  /**
   * @param added true for add, false for remove
   * @param role the role edited
   * @param changed key IDs added or asked to be removed
   * @param keyIds the role's key IDs now
   * @param threshold the role's threshold
   * @param version the unsigned root's version (signing adds 1)
   * @param file the unsigned root.json written
   */
  public record Result(
      boolean added,
      String role,
      List<String> changed,
      List<String> keyIds,
      int threshold,
      int version,
      Path file)
      implements OperationResult {
    public Result {
      changed = List.copyOf(changed);
      keyIds = List.copyOf(keyIds);
    }

    /**
     * garage-sign's line, e.g. "keys added to unsigned root.json saved to …"; the JSON has more.
     */
    @Override
    public String summary() {
      return (role.equals(RootRole.ROOT) ? "keys" : "targets keys")
          + (added ? " added to" : " removed from")
          + " unsigned root.json saved to "
          + file;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put(
          "command",
          "root "
              + (role.equals(RootRole.ROOT) ? "key" : "targets-key")
              + (added ? " add" : " remove"));
      o.put("role", role);
      ArrayNode c = o.putArray(added ? "added" : "removed");
      changed.forEach(c::add);
      ArrayNode k = o.putArray("keyIds");
      keyIds.forEach(k::add);
      o.put("threshold", threshold);
      o.put("thresholdReachable", keyIds.size() >= threshold);
      o.put("unsignedVersion", version);
      o.putArray("filesWritten").add(file.toString());
      return o;
    }
  }

  private final Progress progress;

  public RootKeyEdit(Progress progress) {
    this.progress = progress;
  }

  /** Adds the keys {@code names} to the role. */
  public Result add(Request rq) {
    Repository r = rq.repo();
    String role = rq.role();
    List<TufKey> keys = r.keys().roleKeys(rq.names());
    RootRole edited;
    try (RepoLock lock = r.lock()) {
      edited = r.unsignedRoot().withKeysAdded(role, keys);
      write(r, edited);
    }
    return result(true, r, role, keys.stream().map(TufKey::keyId).toList(), edited);
  }

  /** Removes the keys {@code names} and {@code keyIds} from the role. */
  public Result remove(Request rq) {
    Repository r = rq.repo();
    String role = rq.role();
    LinkedHashSet<String> remove = new LinkedHashSet<>();
    for (String id : rq.keyIds()) {
      if (!KEY_ID.matcher(id).matches()) {
        throw new OperationException(
            OperationException.Kind.BAD_ARGUMENT,
            "--key-id: \"" + id + "\" is not 64 lower-case hex characters",
            null);
      }
      remove.add(id);
    }
    for (String n : rq.names()) {
      remove.add(r.keys().publicKey(n).keyId());
    }
    RootRole edited;
    try (RepoLock lock = r.lock()) {
      RootRole root = r.unsignedRoot();
      List<String> present = root.role(role).keyIds();
      for (String id : remove) {
        if (!present.contains(id)) {
          progress.warn("key " + id + " is not in the " + role + " role");
        }
      }
      edited = root.withKeysRemoved(role, remove);
      RootRole.RoleKeys left = edited.role(role);
      if (left.keyIds().size() < left.threshold()) {
        progress.warn(
            "the "
                + role
                + " role now has "
                + left.keyIds().size()
                + " key(s) but threshold "
                + left.threshold()
                + "; it can no longer be signed");
      }
      write(r, edited);
    }
    return result(false, r, role, new ArrayList<>(remove), edited);
  }

  /** Writes the unsigned root, re-encoded as ota-tuf's codec does. */
  static void write(Repository repo, RootRole root) {
    repo.writeUnsignedRole(RootRole.ROOT, root.reencoded());
  }

  private static Result result(
      boolean added, Repository r, String role, List<String> changed, RootRole edited) {
    RootRole.RoleKeys rk = edited.role(role);
    return new Result(
        added,
        role,
        changed,
        rk.keyIds(),
        rk.threshold(),
        edited.version(),
        r.unsignedFile("root"));
  }
}
