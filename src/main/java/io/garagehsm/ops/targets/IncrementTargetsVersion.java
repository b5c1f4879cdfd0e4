package io.garagehsm.ops.targets;

import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import java.util.List;

/** {@code targets increment-version}: adds 1 to the version of the unsigned targets.json. */
public final class IncrementTargetsVersion {
  private IncrementTargetsVersion() {}

  public static OperationResult run(Repository repo) {
    return new UnsignedTargetsEdit.Edited(
        "targets increment-version",
        // garage-sign's wording, "target.json" included
        "Version incremented for unsigned target.json saved to " + repo.unsignedFile("targets"),
        repo.unsignedFile("targets"),
        UnsignedTargetsEdit.apply(repo, t -> t.withVersion(t.version() + 1)),
        List.of());
  }
}
