package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;

/** {@code delegations pull}: GET a delegated targets role, to a file or for the caller to print. */
public final class PullDelegation {

  /**
   * @param repo an image repository
   * @param roleName the delegated role's name
   * @param output where to write it, or null to only return it
   */
  public record Request(Repository repo, String roleName, Path output) {}

  /**
   * @param roleName the delegated role pulled
   * @param version its version ({@code signed.version}), or -1 when it has none
   * @param document the role as the server sent it, pretty-printed
   * @param output where it was written, or null
   */
  public record Result(String roleName, int version, byte[] document, Path output)
      implements OperationResult {
    @Override
    public String summary() {
      return output != null
          ? "Pulled delegation " + roleName + " to " + output
          : "Pulled delegation " + roleName + " v" + version;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "delegations pull");
      o.put("role", roleName);
      o.put("version", version);
      o.put("output", output == null ? null : output.toString());
      return o;
    }
  }

  private final OperationContext ops;

  public PullDelegation(OperationContext ops) {
    this.ops = ops;
  }

  public Result run(Request request) {
    Repository repo = request.repo();
    PushDelegation.requireReposerver(repo);
    PushDelegation.checkName(request.roleName());
    JsonNode json = ops.server(repo).delegation(request.roleName());
    byte[] doc = MetadataJson.pretty(json);
    if (request.output() != null) {
      AtomicFiles.write(request.output(), doc, AtomicFiles.PUBLIC);
    }
    return new Result(
        request.roleName(), json.path("signed").path("version").asInt(-1), doc, request.output());
  }
}
