package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** {@code delegations init}: an empty unsigned delegated targets role, version 1, one year. */
public final class NewDelegation {

  /**
   * @param file the role, and where it was written (if anywhere)
   * @param version its version (1)
   * @param expires its expiry (now + 365 days)
   */
  public record Result(DelegationFile file, int version, Instant expires)
      implements OperationResult {
    @Override
    public String summary() {
      return "created unsigned delegated targets role v"
          + version
          + ", expires "
          + Expiry.format(expires)
          + ", no targets; "
          + file.destination();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "delegations init");
      o.put("version", version);
      o.put("expires", Expiry.format(expires));
      o.put("targetCount", 0);
      file.putOutput(o);
      return o;
    }
  }

  private NewDelegation() {}

  /**
   * Creates the role at {@code now} (version 1, expiring now + 365 days) and writes it to {@code
   * output} unless that is null.
   */
  public static Result run(Instant now, Path output) {
    TargetsRole t = TargetsRole.empty(1, now.plus(Duration.ofDays(365)));
    return new Result(DelegationFile.of(t.json(), output), t.version(), t.expires());
  }
}
