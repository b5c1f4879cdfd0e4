package io.garagehsm.ops.root;

import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.Progress;
import io.garagehsm.server.ServerException;

/** The server's refusal of a pushed root (compat spec §9.4): garage-sign explains it, exit 1. */
public final class RootRejection {
  private RootRejection() {}

  /** True for the root rejection of compat spec §9.4 (400 from the keyserver, 502 wrapped). */
  public static boolean is(ServerException e) {
    return "invalid_root_role".equals(e.code()) || e.status() == 400;
  }

  /** Lists the server's reasons on {@code progress} and returns the exit-1 failure. */
  public static OperationException explain(Progress progress, ServerException e, String hint) {
    progress.info("the server rejected root.json (" + e.code() + "):");
    for (String r : e.reasons()) {
      progress.info("  - " + r);
    }
    String reasons = e.reasons().isEmpty() ? e.getMessage() : String.join("; ", e.reasons());
    return new OperationException(
        OperationException.Kind.EXPLAINED, "the server rejected root.json: " + reasons, hint, e);
  }
}
