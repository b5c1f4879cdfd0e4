package io.garagehsm.ops.targets;

import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.Progress;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code targets init}: an empty unsigned targets.json with the given version and expiry; replaces
 * an existing unsigned file (with a warning when it listed targets), leaves roles/targets.json.
 */
public final class InitTargets {

  /**
   * @param repo the image repository, opened after the arguments are checked
   * @param version the version of the new file (not negative)
   * @param expires its expiry
   */
  public record Request(Supplier<Repository> repo, int version, Instant expires) {}

  private InitTargets() {}

  public static OperationResult run(Request request, Progress progress) {
    if (request.version() < 0) {
      throw new OperationException(
          OperationException.Kind.BAD_ARGUMENT, "--version must not be negative", null);
    }
    Repository r = ImageRepository.require(request.repo().get());
    TargetsRole role = TargetsRole.empty(request.version(), request.expires());
    try (RepoLock lock = r.lock()) {
      r.unsignedRole("targets")
          .filter(n -> n.path("targets").size() > 0)
          .ifPresent(
              n ->
                  progress.warn(
                      "replacing "
                          + r.unsignedFile("targets")
                          + ", which listed "
                          + n.path("targets").size()
                          + " target(s)"));
      UnsignedTargetsEdit.write(r, role);
    }
    return new UnsignedTargetsEdit.Edited(
        "targets init",
        "Wrote unsigned targets.json to " + r.unsignedFile("targets"),
        r.unsignedFile("targets"),
        role,
        List.of());
  }
}
