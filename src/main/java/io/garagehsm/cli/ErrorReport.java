package io.garagehsm.cli;

import io.garagehsm.metadata.MetadataException;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.ceremony.CeremonyException;
import io.garagehsm.pkcs11.TokenException;
import io.garagehsm.repo.RepoException;
import io.garagehsm.server.ServerException;
import io.garagehsm.signing.SigningException;
import java.io.UncheckedIOException;

/**
 * How a failure reaches the user: one escaped {@code error:} line, a {@code hint:} line when the
 * exception knows the fix, the stack trace only with {@code --debug}, and garage-sign's exit code.
 */
final class ErrorReport {
  private ErrorReport() {}

  /** Prints {@code ex} on the context's stderr and returns its exit code. */
  static int report(CliContext ctx, Exception ex) {
    Throwable t = ex;
    int code = ExitCodes.OTHER;
    String hint = null;
    if (t instanceof OperationException o) {
      code = ExitCodes.of(o.kind());
      hint = o.hint();
    } else if (t instanceof MetadataException m) {
      hint = m.hint();
    } else if (t instanceof SigningException s) {
      hint = s.hint();
    } else if (t instanceof RepoException r) {
      hint = r.hint();
    } else if (t instanceof TokenException k) {
      hint = k.hint().orElse(null);
    } else if (t instanceof ServerException s) {
      hint = s.hint();
    } else if (t instanceof CeremonyException c) {
      hint = c.hint();
    }
    String msg = t.getMessage();
    if (t instanceof UncheckedIOException && t.getCause() != null && msg == null) {
      msg = t.getCause().toString();
    }
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
    }
    // the whole message, escaped: a newline from an input shows as \n instead of forging a line
    ctx.err().println("error: " + TerminalText.escape(msg.strip()));
    ctx.failed(msg.lines().findFirst().orElse(msg));
    if (hint != null) {
      ctx.err().println("hint: " + TerminalText.escape(hint));
    }
    if (ctx.global().debug()) {
      t.printStackTrace(ctx.err());
    }
    return code;
  }
}
