package io.garagehsm.cli;

import picocli.CommandLine.Command;

/**
 * The network subcommands of {@code targets}. The offline helper owns the {@code targets} group;
 * when the branches merge, its group lists these classes and this one goes away.
 */
@Command(
    name = "targets",
    description = "Targets metadata: pull, push and upload (network).",
    subcommands = {TargetsPullCommand.class, TargetsPushCommand.class, TargetsUploadCommand.class})
final class TargetsServerCommands {}
