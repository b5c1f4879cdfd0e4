package io.garagehsm.ops.root;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;

/**
 * {@code root increment-version}: adds 1 to the unsigned root's version (before attaching external
 * signatures, which do not change it).
 */
public final class RootVersionIncrement {

  /**
   * @param file the unsigned root.json written
   * @param previousVersion its version before
   * @param version its version now
   */
  public record Result(Path file, int previousVersion, int version) implements OperationResult {
    /** garage-sign's wording (as for targets); the versions are in the JSON. */
    @Override
    public String summary() {
      return "Version incremented for unsigned root.json saved to " + file;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "root increment-version");
      o.put("role", RootRole.ROOT);
      o.put("file", file.toString());
      o.put("previousVersion", previousVersion);
      o.put("version", version);
      return o;
    }
  }

  private RootVersionIncrement() {}

  public static Result run(Repository repo) {
    try (RepoLock lock = repo.lock()) {
      RootRole root = repo.unsignedRoot();
      RootRole next = root.withVersion(root.nextVersion());
      RootKeyEdit.write(repo, next);
      return new Result(repo.unsignedFile(RootRole.ROOT), root.version(), next.version());
    }
  }
}
