package io.garagehsm.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top command: {@code garage-hsm} (also answers to garage-sign's command lines). */
@Command(
    name = "garage-hsm",
    versionProvider = VersionProvider.class,
    // no @Command methods here: saves picocli's scan of every method's annotations on each run
    addMethodSubcommands = false,
    usageHelpAutoWidth = true,
    sortOptions = false,
    description = {
      "Signs Uptane/TUF metadata for OTA Connect and any ota-tuf reposerver, with keys in files"
          + " or on PKCS#11 tokens. Drop-in for garage-sign / uptane-sign.",
      "Wherever a key name appears, the key may be a token key (see 'key generate --token')."
    },
    footer = {
      "",
      "Exit codes: 0 success, 1 explained error (server rejected root, targets validation,"
          + " expiry in the past), 2 targets push refused by the role checksum, 3 other error,"
          + " 255 usage error. New, status only: 4 a role expires within --warn-days, 5 a role"
          + " has expired or its threshold is not met."
    })
public final class GarageHsmCommand implements Runnable {
  /**
   * The top-level commands, in help order. Not in the annotation: {@link CommandTree} builds only
   * the one a command line names (picocli's model of all of them costs most of a short run).
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          RepoInitCommand.class,
          RepoSetupCommands.ImportClientCert.class,
          ExportCredentialsCommand.class,
          KeyCommand.class,
          UserKeysCommand.class,
          TokensCommand.class,
          TargetsCommand.class,
          RootCommand.class,
          DelegationsCommand.class,
          JsonCommands.SignJsonCommand.class,
          JsonCommands.VerifyJsonCommand.class,
          RootCommand.VerifyRoot.class,
          MoveOfflineCommand.class,
          GetTargetsCommand.class,
          CeremonyCommand.class,
          StatusCommand.class,
          DoctorCommand.class);

  @Spec CommandSpec spec;

  @Mixin(name = "global")
  final GlobalOptions global;

  @Option(names = "--version", versionHelp = true, description = "Print the version and exit.")
  boolean version;

  GarageHsmCommand(CliContext ctx) {
    this.global = ctx.global();
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required");
  }
}
