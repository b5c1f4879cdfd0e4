package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationResult;
import picocli.CommandLine.Option;

/**
 * {@code --json} of the commands that write or talk to the server, and how their result is shown:
 * its summary line on stderr, and with {@code --json} the result as one JSON object on stdout.
 */
final class ResultOutput {
  @Option(names = "--json", description = "Also print the result as one JSON object on stdout.")
  boolean json;

  /** Shows {@code result} and returns exit code 0. */
  int report(CliContext ctx, OperationResult result) {
    ctx.info(result.summary());
    if (json) {
      byte[] b = MetadataJson.pretty(result.toJson());
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
    }
    return ExitCodes.OK;
  }
}
