package io.garagehsm.cli;

import io.garagehsm.ops.rotation.MoveOffline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code move-offline}: the options of {@link MoveOffline}, the crash-safe rotation that takes the
 * online root key (and, for a reposerver, the targets key) off the server.
 */
@Command(
    addMethodSubcommands = false,
    name = "move-offline",
    description = {
      "Move the online root key (and targets key) off the server: save the old root key in"
          + " keys/<old-root-alias>, push a root v+1 with the new keys, check that the server"
          + " serves it, then delete the server's copy.",
      "When the rotation is complete, keys/<old-root-alias>.sec is overwritten and removed"
          + " (--keep-old-root-key keeps it); the .pub stays.",
      "Safe to re-run after any failure: progress is kept in roles/root.json.pending."
    })
final class MoveOfflineCommand implements Callable<Integer> {
  private final CliContext ctx;

  @Mixin RepoOption repoOption;

  @Option(
      names = "--new-root",
      paramLabel = "<key>",
      description = "Key that becomes the only root key (file or token key in keys/).")
  String newRoot;

  @Option(
      names = "--new-targets",
      paramLabel = "<key>",
      description = "Key that becomes the only targets key (public key in keys/).")
  String newTargets;

  @Option(
      names = "--old-root-alias",
      required = true,
      paramLabel = "<name>",
      description = "Name under which the old root key is saved in keys/.")
  String oldRootAlias;

  @Option(
      names = "--old-keyid",
      paramLabel = "<keyid>",
      description = "Old root key ID (default: the last key ID of the server root's root role).")
  String oldKeyId;

  @Option(
      names = "--keep-old-root-key",
      description =
          "Keep keys/<old-root-alias>.sec after a completed rotation. By default it is"
              + " overwritten and removed: it can still sign a new root for vehicles on the old"
              + " one.")
  boolean keepOldRootKey;

  @Mixin ResultOutput output;

  MoveOfflineCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    MoveOffline procedure = new MoveOffline(ctx.operations());
    return output.report(
        ctx,
        procedure.run(
            new MoveOffline.Request(
                ctx.repo(repoOption.repo),
                newRoot,
                newTargets,
                oldRootAlias,
                oldKeyId,
                keepOldRootKey)));
  }
}
