package io.garagehsm.cli;

import io.garagehsm.ops.targets.TargetEntry;
import java.util.List;
import picocli.CommandLine.Option;

/** The target options shared by {@code targets add} and {@code delegations add-target}. */
final class TargetOptions {
  @Option(names = "--name", required = true, description = "Target name.")
  String name;

  @Option(names = "--version", required = true, description = "Target version.")
  String version;

  @Option(
      names = "--length",
      required = true,
      paramLabel = "<bytes>",
      description = "Length of the target in bytes.")
  long length;

  @Option(
      names = "--sha256",
      required = true,
      paramLabel = "<hex>",
      description = "SHA-256 of the target, 64 hex characters.")
  String sha256;

  @Option(
      names = "--hardwareids",
      required = true,
      split = ",",
      paramLabel = "<id>",
      description = "Hardware IDs the target is for, comma-separated.")
  List<String> hardwareIds;

  @Option(
      names = "--format",
      paramLabel = "ostree|binary",
      description = "Target format (stored upper-case; default binary).")
  String format;

  @Option(names = "--url", paramLabel = "<uri>", description = "Where devices download it.")
  String url;

  @Option(
      names = "--customMeta",
      paramLabel = "<json>",
      description =
          "JSON object deep-merged into the target's custom field; it must not set name,"
              + " version, hardwareIds, targetFormat, uri or cliUploaded.")
  String customMeta;

  TargetEntry spec() {
    return new TargetEntry(
        name, version, length, sha256, hardwareIds, format, url, customMeta, false);
  }
}
