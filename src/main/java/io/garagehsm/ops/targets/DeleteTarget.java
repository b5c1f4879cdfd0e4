package io.garagehsm.ops.targets;

import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import java.util.List;

/** {@code targets delete}: removes the target {@code <name>-<version>} from the unsigned file. */
public final class DeleteTarget {
  private DeleteTarget() {}

  public static OperationResult run(Repository repo, String filename) {
    return new UnsignedTargetsEdit.Edited(
        "targets delete",
        "deleted target " + filename + " from " + repo.unsignedFile("targets"),
        repo.unsignedFile("targets"),
        UnsignedTargetsEdit.apply(repo, t -> t.withoutTarget(filename)),
        List.of(filename));
  }
}
