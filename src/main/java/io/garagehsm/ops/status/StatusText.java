package io.garagehsm.ops.status;

import io.garagehsm.metadata.Expiry;
import java.time.Duration;

/**
 * The report of {@code status} for people: a line per role, its threshold, keys and server copy.
 */
final class StatusText {
  private StatusText() {}

  static String of(RepositoryStatus.Report report) {
    StringBuilder b = new StringBuilder();
    b.append("repository ")
        .append(report.repository())
        .append(" at ")
        .append(Expiry.format(report.now()))
        .append(" (warn within ")
        .append(report.warnWithin().toDays())
        .append(" days); server: ")
        .append(report.server())
        .append("\n");
    for (RoleStatus r : report.roles()) {
      b.append(r.role()).append(": ");
      if (r.version() >= 0) {
        b.append("version ").append(r.version());
      }
      if (r.expires() != null) {
        b.append(", expires ").append(Expiry.format(r.expires()));
        b.append(r.left().isNegative() ? " (expired " : " (in ");
        b.append(human(r.left().abs())).append(r.left().isNegative() ? " ago)" : ")");
      }
      b.append(": ").append(word(r.health())).append("\n");
      if (r.threshold() > 0) {
        b.append("  threshold ")
            .append(r.valid().size())
            .append(" of ")
            .append(r.threshold())
            .append(r.thresholdMet() ? " met" : " NOT met")
            .append("\n");
      }
      for (RoleStatus.KeyLocation k : r.keys()) {
        b.append("  key ")
            .append(k.keyId(), 0, Math.min(16, k.keyId().length()))
            .append(k.name() == null ? "" : " " + k.name())
            .append(": ")
            .append(k.kind())
            .append(k.token() == null ? "" : " " + k.token())
            .append(k.signed() ? ", signed" : ", no signature")
            .append("\n");
      }
      b.append("  server: ").append(r.server().state());
      if (r.server().version() >= 0) {
        b.append(" (version ").append(r.server().version()).append(")");
      }
      if (r.server().detail() != null) {
        b.append(": ").append(r.server().detail());
      }
      b.append("\n");
      for (String p : r.problems()) {
        b.append("  problem: ").append(p).append("\n");
      }
    }
    b.append("status: ").append(word(report.health())).append("\n");
    return b.toString();
  }

  private static String word(RoleStatus.Health h) {
    return switch (h) {
      case HEALTHY -> "healthy";
      case EXPIRING -> "expiring soon";
      case UNHEALTHY -> "UNHEALTHY";
    };
  }

  private static String human(Duration d) {
    long days = d.toDays();
    if (days >= 1) {
      return days + " days";
    }
    long hours = d.toHours();
    return hours >= 1 ? hours + " hours" : d.toMinutes() + " minutes";
  }
}
