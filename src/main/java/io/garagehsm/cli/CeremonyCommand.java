package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.SigningBundle;
import io.garagehsm.ops.ceremony.Transcript;
import io.garagehsm.ops.ceremony.TranscriptReport;
import io.garagehsm.ops.ceremony.TranscriptSeal;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ceremony …}: offline signing bundles and the tamper-evident transcript. */
@Command(
    addMethodSubcommands = false,
    name = "ceremony",
    description = {
      "Key ceremonies: offline signing bundles and the transcript.",
      "Every signing command and ceremony step appends one line to"
          + " <repo>/ceremony/transcript.jsonl (a SHA-256 hash chain; no PIN, no key material)."
    })
final class CeremonyCommand {
  /**
   * Its subcommands, in help order (not in the annotation: {@link CommandTree} builds only the one
   * a command line names).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          CeremonyExportCommand.class,
          CeremonySignCommand.class,
          CeremonyMergeCommand.class,
          CeremonyCloseCommand.class,
          CeremonyCommand.VerifyTranscript.class);

  static void printSummary(CliContext ctx, SigningBundle b) {
    b.describe().forEach(ctx::info);
  }

  @Command(
      addMethodSubcommands = false,
      name = "verify-transcript",
      description = {
        "Check the transcript's hash chain and seals and print a Markdown report of the ceremony.",
        "Exit 0 when intact; 3 when a line was edited, inserted or removed, or a seal is invalid."
      })
  static final class VerifyTranscript implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--file",
        paramLabel = "<transcript.jsonl>",
        description = "Check this file instead of <repo>/ceremony/transcript.jsonl.")
    Path file;

    VerifyTranscript(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      Transcript.Check check = TranscriptSeal.verify(r, file);
      ctx.out().print(TranscriptReport.markdown(r.name(), check));
      ctx.out().flush();
      if (!check.intact()) {
        throw new CliException(
            ExitCodes.OTHER,
            check.file() + " is not intact: " + check.problems().get(0),
            "the report lists every problem; keep the file as evidence and compare it with a"
                + " copy taken during the ceremony");
      }
      if (check.sealedLines() < check.lines().size()) {
        ctx.warn(
            (check.lines().size() - check.sealedLines())
                + " line(s) at the end are not sealed: run 'ceremony close -r "
                + r.name()
                + " -k <key>'");
      }
      ctx.info(check.file() + ": hash chain intact, " + check.lines().size() + " lines");
      return ExitCodes.OK;
    }
  }
}
