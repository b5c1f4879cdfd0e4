package io.garagehsm.cli;

import io.garagehsm.ops.doctor.Check;
import io.garagehsm.ops.doctor.Doctor;
import io.garagehsm.ops.doctor.DoctorReport;
import io.garagehsm.repo.Repository;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code doctor}: one line per check of the module, tokens, keys, PINs, server and roles. */
@Command(
    addMethodSubcommands = false,
    name = "doctor",
    description = {
      "Check that this machine can sign: the PKCS#11 module loads, its tokens show (with hints on"
          + " SOFTHSM2_CONF, TPM2_PKCS11_TCTI and p11-kit when none does), the repository's token"
          + " keys are on their tokens with the recorded key IDs, the mechanisms each key signs"
          + " with are usable, each key's PIN source is readable (the PIN is never read), the"
          + " server answers with the repository's credentials, and how long the signed roles"
          + " have left.",
      "Never logs in unless --login is given; then it logs in once per token (one PIN try per"
          + " run; a PIN source that failed before is not tried again unless --retry-pin) and"
          + " opens each private key.",
      "One line per check: OK, WARN or FAIL, with the fix. Exit 0 when nothing FAILs, else 1."
    })
final class DoctorCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Option(
      names = {"-r", "--repo"},
      paramLabel = "<name>",
      description =
          "Repository whose token keys, server and roles to check (without it: the module and"
              + " its tokens only).")
  String repo;

  @Option(
      names = "--token",
      paramLabel = "<pkcs11 URI>",
      description = "Also check this token; its module-path picks the module.")
  String token;

  @Option(
      names = "--login",
      description = "Log in to each token once and open each private key (spends a PIN try).")
  boolean login;

  @Option(names = "--offline", description = "Do not ask the server.")
  boolean offline;

  @Option(
      names = "--warn-days",
      paramLabel = "<days>",
      defaultValue = "30",
      description = "WARN when a role expires within this many days (default: ${DEFAULT-VALUE}).")
  int warnDays;

  @Mixin ResultOutput result;

  DoctorCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    if (warnDays < 0) {
      throw new CliException(ExitCodes.USAGE, "--warn-days must not be negative", null);
    }
    Repository r = repo == null ? null : ctx.repo(repo);
    DoctorReport report =
        new Doctor(
                ctx.tokens(), ctx.env(), offline ? null : rr -> ServerAccess.quickClient(ctx, rr))
            .run(
                new Doctor.Request(
                    r, token, login, ctx.clock().instant(), Duration.ofDays(warnDays)));
    if (!result.json) {
      StringBuilder b = new StringBuilder();
      for (Check c : report.checks()) {
        b.append(String.format("%-4s  %-9s %s: ", c.status(), c.check(), esc(c.subject())))
            .append(esc(c.message()))
            .append('\n');
        if (c.fix() != null) {
          b.append("      fix: ").append(esc(c.fix())).append('\n');
        }
      }
      ctx.out().print(b);
      ctx.out().flush();
    }
    result.report(ctx, report);
    return report.failed() ? ExitCodes.EXPLAINED : ExitCodes.OK;
  }

  private static String esc(String s) {
    return TerminalText.escape(s);
  }
}
