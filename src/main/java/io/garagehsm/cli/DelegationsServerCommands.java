package io.garagehsm.cli;

import picocli.CommandLine.Command;

/**
 * The network subcommands of {@code delegations}. The offline helper owns the {@code delegations}
 * group; when the branches merge, its group lists these classes and this one goes away.
 */
@Command(
    name = "delegations",
    description = "Delegated targets roles: push and pull (network).",
    subcommands = {DelegationsPushCommand.class, DelegationsPullCommand.class})
final class DelegationsServerCommands {}
