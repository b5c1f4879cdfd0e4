package io.garagehsm.cli;

import picocli.CommandLine.Command;

/**
 * The network subcommands of {@code root}. The offline helper owns the {@code root} group; when the
 * branches merge, its group lists {@link RootPullCommand} and {@link RootPushCommand} and this
 * class goes away.
 */
@Command(
    name = "root",
    description = "Root metadata: pull and push (network).",
    subcommands = {RootPullCommand.class, RootPushCommand.class})
final class RootServerCommands {}
