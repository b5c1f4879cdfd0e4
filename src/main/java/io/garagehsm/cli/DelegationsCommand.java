package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code delegations init|add-target|sign}: the supplier side of delegated targets. */
@Command(
    name = "delegations",
    description = "Create, edit and sign delegated targets metadata (supplier side).",
    subcommands = {
      DelegationsCommand.Init.class,
      DelegationsCommand.AddTarget.class,
      DelegationsCommand.Sign.class,
      DelegationsPushCommand.class,
      DelegationsPullCommand.class
    })
final class DelegationsCommand {

  static void emit(CliContext ctx, JsonNode json, Path inplace) {
    byte[] b = MetadataJson.pretty(json);
    if (inplace != null) {
      AtomicFiles.write(inplace, b, AtomicFiles.PUBLIC);
    } else {
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
    }
  }

  static ObjectNode readObject(Path input) {
    JsonNode n = MetadataJson.read(input);
    if (!n.isObject()) {
      throw new MetadataException(input + " must hold a JSON object");
    }
    return (ObjectNode) n;
  }

  static boolean isSigned(JsonNode n) {
    return n.has("signed") && n.has("signatures");
  }

  @Command(
      name = "init",
      description =
          "Print an empty unsigned delegated targets role: version 1, expires now + 365 days.")
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      TargetsRole t = TargetsRole.empty(1, ctx.clock().instant().plus(Duration.ofDays(365)));
      emit(ctx, t.json(), null);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "add-target",
      description =
          "Add a target to an unsigned delegated targets file; print the result, or write it"
              + " back with -e.")
  static final class AddTarget implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin TargetsCommand.TargetOptions target;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Unsigned delegated targets JSON.")
    Path input;

    @Option(
        names = {"-e", "--inplace"},
        description = "Write the result back into the input file.")
    boolean inplace;

    AddTarget(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Support.TargetSpec spec = target.spec();
      ObjectNode item = spec.item(ctx.clock().instant());
      ObjectNode in = readObject(input);
      if (isSigned(in)) {
        throw new CliException(
            ExitCodes.OTHER,
            input + " is already signed; add targets to the unsigned file",
            "start again from the unsigned role ('delegations init')");
      }
      TargetsRole t = TargetsRole.of(in, input.toString()).withTarget(spec.filename(), item);
      emit(ctx, t.json(), inplace ? input : null);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "sign",
      description = {
        "Sign a delegated targets file as given (no version bump) with user keys (file or"
            + " token keys); print the envelope, or write it back with -e.",
        "An already signed file gets the new signatures added."
      })
  static final class Sign implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "User key name (repeatable); file or token key.")
    List<String> names;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Delegated targets JSON.")
    Path input;

    @Option(
        names = {"-e", "--inplace"},
        description = "Write the result back into the input file.")
    boolean inplace;

    @Option(
        names = {"-p", "--keys-path"},
        paramLabel = "<dir>",
        description = "Folder of user keys (default: <home>/user-keys).")
    Path keysPath;

    Sign(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      names.forEach(KeyDirectory::checkName);
      ObjectNode in = readObject(input);
      SignedMetadata md =
          isSigned(in)
              ? SignedMetadata.fromJson(in, input.toString())
              : SignedMetadata.unsigned(in);
      TargetsRole.of(md.signed(), input.toString());
      List<Signer> signers = Support.signers(ctx, ctx.userKeys(keysPath), names);
      SignedMetadata out;
      try {
        out = MetadataSigner.sign(md, signers);
      } finally {
        Support.closeAll(signers);
      }
      emit(ctx, out.toJson(), inplace ? input : null);
      return ExitCodes.OK;
    }
  }
}
