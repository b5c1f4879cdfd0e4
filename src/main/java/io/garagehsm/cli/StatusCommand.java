package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.status.RepositoryStatus;
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
    addMethodSubcommands = false,
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
        // fails fast: status must not wait a minute of retries for a dead server
        client = ServerAccess.quickClient(ctx, r);
      } catch (RuntimeException e) {
        noServer = e.getMessage();
      }
    }
    RepositoryStatus.Report report =
        RepositoryStatus.check(
            new RepositoryStatus.Input(
                r, ctx.clock().instant(), Duration.ofDays(warnDays), client));
    if (noServer != null) {
      report = report.serverNotChecked(noServer);
    }
    if (json) {
      ctx.out().print(new String(MetadataJson.pretty(report.toJson()), StandardCharsets.UTF_8));
      ctx.out().println();
    } else {
      ctx.out().print(report.text());
    }
    ctx.out().flush();
    return switch (report.health()) {
      case HEALTHY -> ExitCodes.OK;
      case EXPIRING -> ExitCodes.EXPIRING;
      case UNHEALTHY -> ExitCodes.UNHEALTHY;
    };
  }
}
