package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.targets.TargetEntry;
import java.nio.file.Path;
import java.time.Instant;

/** {@code delegations add-target}: adds a target to an unsigned delegated targets file. */
public final class AddDelegatedTarget {

  /**
   * @param target the entry to add (or replace)
   * @param input the unsigned delegated targets file
   * @param inplace write the result back into {@code input}
   */
  public record Request(TargetEntry target, Path input, boolean inplace) {}

  private AddDelegatedTarget() {}

  /** Adds the entry, built at {@code now}; a signed input is refused. */
  public static DelegationFile run(Request request, Instant now) {
    TargetEntry spec = request.target();
    Path input = request.input();
    ObjectNode item = spec.item(now);
    ObjectNode in = DelegationFile.readObject(input);
    if (DelegationFile.isSigned(in)) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          input + " is already signed; add targets to the unsigned file",
          "start again from the unsigned role ('delegations init')");
    }
    TargetsRole t = TargetsRole.of(in, input.toString()).withTarget(spec.filename(), item);
    return DelegationFile.of(t.json(), request.inplace() ? input : null);
  }
}
