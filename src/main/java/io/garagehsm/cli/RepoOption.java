package io.garagehsm.cli;

import picocli.CommandLine.Option;

/** {@code -r, --repo <name>}: the repository folder under the home folder. */
final class RepoOption {
  @Option(
      names = {"-r", "--repo"},
      required = true,
      paramLabel = "<name>",
      description = "Repository name: the folder <home>/<name>.")
  String repo;
}
