package io.garagehsm.cli;

import io.garagehsm.ops.OperationException;

/**
 * garage-sign's exit codes (compat spec §1). Scripts rely on these values; new failure classes
 * reuse {@link #OTHER} unless no garage-sign script could depend on the old value.
 */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /**
   * An error garage-sign explains itself: root rejected by the server, targets pull validation,
   * Director repository, expiry in the past.
   */
  public static final int EXPLAINED = 1;

  /** Targets push refused because of the role checksum (HTTP 412 or 428). */
  public static final int CHECKSUM = 2;

  /** Any other error. */
  public static final int OTHER = 3;

  /** {@code status} only (new): a role expires within {@code --warn-days}. */
  public static final int EXPIRING = 4;

  /** {@code status} only (new): a role has expired or its signature threshold is not met. */
  public static final int UNHEALTHY = 5;

  /** Command-line usage error. */
  public static final int USAGE = 255;

  private ExitCodes() {}

  /** garage-sign's exit code for a kind of procedure failure. */
  public static int of(OperationException.Kind kind) {
    return switch (kind) {
      case EXPLAINED -> ExitCodes.EXPLAINED;
      case CHECKSUM -> ExitCodes.CHECKSUM;
      case FAILED -> ExitCodes.OTHER;
      case BAD_ARGUMENT -> ExitCodes.USAGE;
    };
  }
}
