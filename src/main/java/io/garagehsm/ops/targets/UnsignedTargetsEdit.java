package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One change to the unsigned targets.json of an image repository, under the repository lock: read,
 * change, write back re-encoded as garage-sign does. What the editing procedures share.
 */
final class UnsignedTargetsEdit {
  private UnsignedTargetsEdit() {}

  /** Applies {@code change} to roles/unsigned/targets.json and returns what was written. */
  static TargetsRole apply(Repository repo, UnaryOperator<TargetsRole> change) {
    ImageRepository.require(repo);
    try (RepoLock lock = repo.lock()) {
      TargetsRole edited = change.apply(repo.unsignedTargets());
      write(repo, edited);
      return edited;
    }
  }

  /** Writes the unsigned targets, re-encoded as garage-sign does. */
  static void write(Repository repo, TargetsRole t) {
    repo.writeUnsignedRole("targets", t.json());
  }

  /**
   * What an edit of the unsigned targets.json did.
   *
   * @param command the command word, e.g. {@code targets add}
   * @param summary the one line for people
   * @param file roles/unsigned/targets.json
   * @param role what was written
   * @param targets the target file names the edit added or removed
   */
  record Edited(String command, String summary, Path file, TargetsRole role, List<String> targets)
      implements OperationResult {
    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", command);
      o.put("file", file.toString());
      o.put("version", role.version());
      o.put("expires", Expiry.format(role.expires()));
      o.put("targetCount", role.json().path("targets").size());
      targets.forEach(o.putArray("targets")::add);
      return o;
    }
  }
}
