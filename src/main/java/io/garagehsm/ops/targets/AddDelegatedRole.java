package io.garagehsm.ops.targets;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code targets delegations add}: adds or replaces a delegated role (threshold 1, terminating) in
 * the unsigned targets.json.
 */
public final class AddDelegatedRole {

  /**
   * @param repo the image repository, opened after the arguments are checked
   * @param name the delegated role's name
   * @param paths path patterns the role may sign, e.g. {@code supplier-*}
   * @param keyFiles public key files of the role
   */
  public record Request(
      Supplier<Repository> repo, String name, List<String> paths, List<Path> keyFiles) {
    public Request {
      paths = List.copyOf(paths);
      keyFiles = List.copyOf(keyFiles);
    }
  }

  private AddDelegatedRole() {}

  public static OperationResult run(Request request) {
    TargetsRole.checkDelegatedRoleName(request.name());
    request.paths().forEach(TargetsRole::checkDelegationPath);
    List<TufKey> keys = new ArrayList<>();
    for (Path p : request.keyFiles()) {
      TufKey k = TufKey.fromJson(MetadataJson.read(p), p.toString());
      String reason = k.unusableForRolesReason();
      if (reason != null) {
        throw new OperationException(OperationException.Kind.FAILED, p + ": " + reason, null);
      }
      keys.add(k);
    }
    Repository r = request.repo().get();
    return new UnsignedTargetsEdit.Edited(
        "targets delegations add",
        "added delegated role " + request.name() + " to " + r.unsignedFile("targets"),
        r.unsignedFile("targets"),
        UnsignedTargetsEdit.apply(
            r, t -> t.withDelegatedRole(request.name(), request.paths(), keys)),
        List.of());
  }
}
