package io.garagehsm.cli;

import io.garagehsm.ops.ceremony.BundleProcedures;
import io.garagehsm.ops.ceremony.SigningBundle;
import io.garagehsm.ops.ceremony.Transcript;
import io.garagehsm.ops.ceremony.TranscriptReport;
import io.garagehsm.ops.ceremony.TranscriptSeal;
import io.garagehsm.ops.targets.ImageRepository;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ceremony …}: offline signing bundles and the tamper-evident transcript. */
@Command(
    name = "ceremony",
    description = {
      "Key ceremonies: offline signing bundles and the transcript.",
      "Every signing command and ceremony step appends one line to"
          + " <repo>/ceremony/transcript.jsonl (a SHA-256 hash chain; no PIN, no key material)."
    },
    subcommands = {
      CeremonyCommand.Export.class,
      CeremonyCommand.Sign.class,
      CeremonyCommand.Merge.class,
      CeremonyCommand.Close.class,
      CeremonyCommand.VerifyTranscript.class
    })
final class CeremonyCommand {

  @Command(
      name = "export",
      description = {
        "Write an offline signing bundle for the next signed version of root or targets: the"
            + " canonical bytes to sign and their SHA-256, the trusted root, the thresholds, the"
            + " signatures so far and a summary of the changes against the signed version.",
        "The version is the unsigned file's + 1; the expiry comes from --expires / --expire-after,"
            + " else the unsigned file's (as 'root sign -k' and 'targets sign')."
      })
  static final class Export implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "root|targets",
        description = "The role to sign.")
    String role;

    @Option(
        names = {"-o", "--output"},
        required = true,
        paramLabel = "<file>",
        description = "The bundle file to write.")
    Path output;

    @Mixin ExpiryOptions expiry;

    Export(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      if (!role.equals("root") && !role.equals("targets")) {
        throw new CliException(
            ExitCodes.USAGE, "--role must be root or targets, not '" + role + "'", null);
      }
      expiry.check();
      Repository r =
          role.equals("targets")
              ? ImageRepository.require(ctx.repo(repo.repo))
              : ctx.repo(repo.repo);
      Instant now = ctx.clock().instant();
      BundleProcedures.Exported e =
          BundleProcedures.exportTo(r, role, x -> expiry.resolve(x, now), now, output);
      ctx.transcript().step(e.details());
      printSummary(ctx, e.bundle());
      ctx.info(e.summary());
      return ExitCodes.OK;
    }
  }

  static void printSummary(CliContext ctx, SigningBundle b) {
    b.describe().forEach(ctx::info);
  }

  @Command(
      name = "sign",
      description = {
        "Sign an offline bundle with one key (file or token key), without a repository or"
            + " network: show the summary, check the bundle's integrity, sign, verify, and add the"
            + " signature to the bundle.",
        "The key is <name> in --keys-path (default <home>/user-keys), or in the keys/ of -r."
      })
  static final class Sign implements Callable<Integer> {
    private final CliContext ctx;

    @Parameters(index = "0", paramLabel = "<bundle>", description = "The bundle file.")
    Path bundle;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "The key to sign with.")
    String keyName;

    @Option(
        names = {"-p", "--keys-path"},
        paramLabel = "<dir>",
        description = "Folder of the key (default <home>/user-keys).")
    Path keysPath;

    @Option(
        names = {"-r", "--repo"},
        paramLabel = "<name>",
        description = "Use the key in this repository's keys/ (and record in its transcript).")
    String repoName;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "<file>",
        description = "Write the signed bundle here (default: replace <bundle>).")
    Path output;

    Sign(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      SigningBundle b = SigningBundle.read(bundle);
      b.check();
      printSummary(ctx, b);
      KeyDirectory keys = repoName != null ? ctx.repo(repoName).keys() : ctx.userKeys(keysPath);
      SigningBundle out;
      try (Signer s = ctx.signer(keys, keyName)) {
        out = BundleProcedures.sign(b, s, keyName, ctx.clock().instant(), ctx.hostName());
      }
      Path target = output != null ? output : bundle;
      out.write(target);
      ctx.info("signed with key '" + keyName + "': " + out.progress());
      ctx.info("signed bundle saved to " + target);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "merge",
      description = {
        "Collect the signatures of signed bundles into the repository: every signature is"
            + " verified again over the bundle's bytes, and the bundle must come from the"
            + " repository's current unsigned role and trusted root.",
        "Writes roles/root.json or roles/targets.json only when every threshold is met; with"
            + " --partial -o <file>, writes the merged bundle instead, to collect more signatures."
      })
  static final class Merge implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Parameters(arity = "1..*", paramLabel = "<bundle>", description = "Signed bundle files.")
    List<Path> bundles;

    @Option(
        names = "--partial",
        description = "When thresholds are not met yet, write the merged bundle to -o instead.")
    boolean partial;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "<file>",
        description = "With --partial: where the merged bundle goes.")
    Path output;

    Merge(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      if (partial && output == null) {
        throw new CliException(
            ExitCodes.USAGE, "--partial needs -o <file> for the merged bundle", null);
      }
      Repository r = ctx.repo(repo.repo);
      List<SigningBundle> read = new ArrayList<>();
      for (Path p : bundles) {
        read.add(SigningBundle.read(p));
      }
      BundleProcedures.MergeResult m = BundleProcedures.merge(r, read, partial);
      ctx.transcript().step(m.details());
      ctx.info(m.progress());
      if (m.met()) {
        ctx.info("signed " + read.get(0).role() + ".json saved to " + m.written());
      } else {
        m.merged().write(output);
        ctx.info("thresholds not met yet; merged bundle saved to " + output);
      }
      return ExitCodes.OK;
    }
  }

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
      TranscriptSeal.Sealed sealed;
      try (Signer s = ctx.signer(r.keys(), keyName)) {
        sealed = TranscriptSeal.seal(r, s);
      }
      ctx.transcript().step(sealed.details());
      ctx.info(sealed.summary(keyName));
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
