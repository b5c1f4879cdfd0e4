package io.garagehsm.ops.root;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;

/**
 * {@code root increment-version}: adds 1 to the unsigned root's version (before attaching external
 * signatures, which do not change it).
 */
public final class RootVersionIncrement {
  private RootVersionIncrement() {}

  /** Returns the new unsigned version. */
  public static int run(Repository repo) {
    try (RepoLock lock = repo.lock()) {
      RootRole root = repo.unsignedRoot();
      RootRole next = root.withVersion(root.nextVersion());
      RootKeyEdit.write(repo, next);
      return next.version();
    }
  }
}
