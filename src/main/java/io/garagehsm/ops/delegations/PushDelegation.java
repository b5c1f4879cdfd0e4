package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.nio.file.Path;
import java.util.List;

/** {@code delegations push}: PUT a signed delegated targets role to the reposerver. */
public final class PushDelegation {

  /**
   * @param repo an image repository
   * @param roleName the delegated role's name
   * @param input the signed delegation file
   */
  public record Request(Repository repo, String roleName, Path input) {}

  /**
   * @param roleName the delegated role pushed
   * @param version its version
   * @param expires its expiry as written in the file
   * @param keyIds the key IDs of its signatures
   */
  public record Result(String roleName, int version, String expires, List<String> keyIds)
      implements OperationResult {
    @Override
    public String summary() {
      return "Pushed delegation "
          + roleName
          + " v"
          + version
          + ", expires "
          + expires
          + ", "
          + keyIds.size()
          + " signature(s)";
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "delegations push");
      o.put("role", roleName);
      o.put("version", version);
      o.put("expires", expires);
      keyIds.forEach(o.putArray("keyids")::add);
      return o;
    }
  }

  private final OperationContext ops;

  public PushDelegation(OperationContext ops) {
    this.ops = ops;
  }

  /** Delegations live on image repositories only. */
  public static void requireReposerver(Repository repo) {
    if (repo.config().isDirector()) {
      throw new OperationException(
          Kind.FAILED,
          "repository '"
              + repo.name()
              + "' is a Director repository, which does not support"
              + " delegations",
          null);
    }
  }

  /** A delegated role name the server API accepts (a usage error otherwise). */
  public static String checkName(String name) {
    try {
      return TufServerClient.delegationName(name);
    } catch (IllegalArgumentException e) {
      throw new OperationException(Kind.BAD_ARGUMENT, e.getMessage(), null);
    }
  }

  public Result run(Request request) {
    Repository repo = request.repo();
    requireReposerver(repo);
    checkName(request.roleName());
    Path input = request.input();
    JsonNode json = MetadataJson.read(input);
    SignedMetadata md = SignedMetadata.fromJson(json, input.toString());
    if (md.signatures().isEmpty()) {
      throw new OperationException(
          Kind.FAILED,
          input + " has no signatures",
          "sign it first: 'delegations sign -k <key> -i " + input + "'");
    }
    ops.server(repo).pushDelegation(request.roleName(), json);
    ops.warnExpiry("delegation " + request.roleName(), md);
    return new Result(
        request.roleName(),
        md.version(),
        md.signed().path("expires").asText(""),
        md.signatures().stream().map(TufSignature::keyId).toList());
  }
}
