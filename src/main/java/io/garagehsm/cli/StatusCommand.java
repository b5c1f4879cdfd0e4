package io.garagehsm.cli;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.status.RepositoryStatus;
import io.garagehsm.ops.status.RoleStatus;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code status}: the health of the offline-signed roles, for people, cron and CI. */
@Command(
    name = "status",
    description = {
      "Report per role (root, targets) the version, expiry and time left, the signing keys (file"
          + " or token, which token), whether the thresholds are met, and whether the server's copy"
          + " agrees (the server is optional: unreachable only notes it).",
      "Exit codes (new, not garage-sign's): 0 healthy; 4 a role expires within --warn-days;"
          + " 5 a role has expired or a threshold is not met."
    })
final class StatusCommand implements Callable<Integer> {
  private final CliContext ctx;
  @Mixin RepoOption repo;

  @Option(
      names = "--warn-days",
      paramLabel = "<days>",
      defaultValue = "30",
      description = "Exit 4 when a role expires within this many days (default: ${DEFAULT-VALUE}).")
  int warnDays;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(names = "--offline", description = "Do not ask the server.")
  boolean offline;

  StatusCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    if (warnDays < 0) {
      throw new CliException(ExitCodes.USAGE, "--warn-days must not be negative", null);
    }
    Repository r = ctx.repo(repo.repo);
    TufServerClient client = null;
    String noServer = null;
    if (!offline) {
      try {
        client = client(r);
      } catch (RuntimeException e) {
        noServer = e.getMessage();
      }
    }
    RepositoryStatus.Report report =
        RepositoryStatus.check(
            new RepositoryStatus.Input(
                r, ctx.clock().instant(), Duration.ofDays(warnDays), client));
    if (noServer != null) {
      report =
          new RepositoryStatus.Report(
              report.repository(),
              report.now(),
              report.warnWithin(),
              "not checked: " + noServer,
              report.roles());
    }
    if (json) {
      ctx.out().print(new String(MetadataJson.pretty(report.toJson()), StandardCharsets.UTF_8));
      ctx.out().println();
    } else {
      ctx.out().print(text(report));
    }
    ctx.out().flush();
    return switch (report.health()) {
      case HEALTHY -> ExitCodes.OK;
      case EXPIRING -> ExitCodes.EXPIRING;
      case UNHEALTHY -> ExitCodes.UNHEALTHY;
    };
  }

  /** A client that fails fast: status must not wait a minute of retries for a dead server. */
  private TufServerClient client(Repository r) {
    return ServerAccess.quickClient(ctx, r);
  }

  static String text(RepositoryStatus.Report report) {
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
