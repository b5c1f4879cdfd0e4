package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationResult;
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

  /**
   * @param file the edited role, and where it was written (if anywhere)
   * @param input the file it was read from
   * @param filename the target added ({@code <name>-<version>})
   * @param replaced whether the role already listed that target
   * @param targetCount the number of targets the role now lists
   * @param version the role's version (unchanged)
   * @param expires the role's expiry (unchanged)
   */
  public record Result(
      DelegationFile file,
      Path input,
      String filename,
      boolean replaced,
      int targetCount,
      int version,
      Instant expires)
      implements OperationResult {
    @Override
    public String summary() {
      return (replaced ? "replaced target " : "added target ")
          + filename
          + " in delegation "
          + input
          + " (v"
          + version
          + ", "
          + targetCount
          + (targetCount == 1 ? " target" : " targets")
          + "); "
          + file.destination();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "delegations add-target");
      o.put("input", input.toString());
      o.put("target", filename);
      o.put("replaced", replaced);
      o.put("targetCount", targetCount);
      o.put("version", version);
      o.put("expires", Expiry.format(expires));
      file.putOutput(o);
      return o;
    }
  }

  private AddDelegatedTarget() {}

  /** Adds the entry, built at {@code now}; a signed input is refused. */
  public static Result run(Request request, Instant now) {
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
    TargetsRole before = TargetsRole.of(in, input.toString());
    TargetsRole t = before.withTarget(spec.filename(), item);
    return new Result(
        DelegationFile.of(t.json(), request.inplace() ? input : null),
        input,
        spec.filename(),
        before.hasTarget(spec.filename()),
        t.filenames().size(),
        t.version(),
        t.expires());
  }
}
