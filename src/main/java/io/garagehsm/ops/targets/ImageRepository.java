package io.garagehsm.ops.targets;

import io.garagehsm.ops.OperationException;
import io.garagehsm.repo.Repository;

/**
 * The targets procedures work on image (reposerver) repositories only; a Director repository has no
 * targets role of its own to edit.
 */
public final class ImageRepository {
  private ImageRepository() {}

  /** {@code repo}, refused (exit 1 in garage-sign) when it is a Director repository. */
  public static Repository require(Repository repo) {
    return require(repo, "targets commands work on image (reposerver) repositories only");
  }

  /** As {@link #require}, for the commands that talk to the server. */
  public static Repository requireForServer(Repository repo) {
    return require(repo, "targets of a Director repository are managed by the Director itself");
  }

  private static Repository require(Repository repo, String hint) {
    if (repo.config().isDirector()) {
      throw new OperationException(
          OperationException.Kind.EXPLAINED,
          "repository '"
              + repo.name()
              + "' is a Director repository, which does not support this command",
          hint);
    }
    return repo;
  }
}
