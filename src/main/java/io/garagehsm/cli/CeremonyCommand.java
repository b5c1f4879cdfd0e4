package io.garagehsm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.ops.ceremony.Transcript;
import io.garagehsm.ops.ceremony.TranscriptReport;
import io.garagehsm.ops.ceremony.TranscriptSeal;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ceremony …}: offline signing bundles and the tamper-evident transcript. */
@Command(
    name = "ceremony",
    description = {
      "Key ceremonies: offline signing bundles and the transcript.",
      "Every signing command and ceremony step appends one line to"
          + " <repo>/ceremony/transcript.jsonl (a SHA-256 hash chain; no PIN, no key material)."
    },
    subcommands = {CeremonyCommand.Close.class, CeremonyCommand.VerifyTranscript.class})
final class CeremonyCommand {

  @Command(
      name = "close",
      description =
          "Seal the transcript: sign the SHA-256 of its last line with a key (file or token key)"
              + " and append the seal as a line.")
  static final class Close implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key in keys/ that signs the transcript head.")
    String keyName;

    Close(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      ObjectNode details;
      try (Signer s = ctx.signer(r.keys(), keyName)) {
        details = TranscriptSeal.seal(r, s);
      }
      ctx.ceremonyStep(details);
      ctx.info(
          "transcript sealed: lines 1-"
              + details.path("seal").path("lines").asInt()
              + ", head "
              + details.path("seal").path("transcript_head").asText()
              + ", key '"
              + keyName
              + "'");
      return ExitCodes.OK;
    }
  }

  @Command(
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
