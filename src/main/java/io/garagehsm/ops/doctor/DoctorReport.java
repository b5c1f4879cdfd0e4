package io.garagehsm.ops.doctor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationResult;
import java.util.List;

/**
 * What {@code doctor} found: one {@link Check} per line, in the order they ran.
 *
 * @param repository the repository checked, or null when only tokens were checked
 * @param login whether it logged in ({@code --login})
 * @param checks the checks
 */
public record DoctorReport(String repository, boolean login, List<Check> checks)
    implements OperationResult {

  public DoctorReport {
    checks = List.copyOf(checks);
  }

  /** Whether any check failed (exit 1). */
  public boolean failed() {
    return count(Check.Status.FAIL) > 0;
  }

  public long count(Check.Status status) {
    return checks.stream().filter(c -> c.status() == status).count();
  }

  @Override
  public String summary() {
    return "doctor: "
        + count(Check.Status.OK)
        + " OK, "
        + count(Check.Status.WARN)
        + " WARN, "
        + count(Check.Status.FAIL)
        + " FAIL"
        + (login ? "" : " (no login; --login also logs in to each token once)");
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    if (repository == null) {
      o.putNull("repository");
    } else {
      o.put("repository", repository);
    }
    o.put("login", login);
    o.put("ok", !failed());
    ObjectNode counts = o.putObject("counts");
    for (Check.Status s : Check.Status.values()) {
      counts.put(s.name(), count(s));
    }
    ArrayNode arr = o.putArray("checks");
    for (Check c : checks) {
      ObjectNode j = arr.addObject();
      j.put("check", c.check());
      j.put("subject", c.subject());
      j.put("status", c.status().name());
      j.put("message", c.message());
      if (c.fix() == null) {
        j.putNull("fix");
      } else {
        j.put("fix", c.fix());
      }
    }
    return o;
  }
}
