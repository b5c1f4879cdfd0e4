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
    if (repo.config().isDirector()) {
      throw new OperationException(
          OperationException.Kind.EXPLAINED,
          "repository '"
              + repo.name()
              + "' is a Director repository, which does not support this command",
          "targets commands work on image (reposerver) repositories only");
    }
    return repo;
  }
}
