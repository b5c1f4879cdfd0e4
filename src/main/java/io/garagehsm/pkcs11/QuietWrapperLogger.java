package io.garagehsm.pkcs11;

import java.util.logging.Level;
import org.xipki.pkcs11.wrapper.Logger;
import org.xipki.pkcs11.wrapper.StaticLogger;

/**
 * Routes ipkcs11wrapper's log output (a licence banner and INFO lines, printed to stdout by
 * default) to {@code java.util.logging} at FINE, so the CLI's stdout carries only data. Must be
 * installed before the wrapper's {@code PKCS11Module} class is initialised.
 */
final class QuietWrapperLogger implements Logger {
  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger("io.garagehsm.pkcs11.wrapper");
  private static volatile boolean installed;

  private QuietWrapperLogger() {}

  static void install() {
    if (!installed) {
      synchronized (QuietWrapperLogger.class) {
        if (!installed) {
          StaticLogger.setLogger(new QuietWrapperLogger());
          installed = true;
        }
      }
    }
  }

  private static void log(String format, Object... args) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(format(format, args));
    }
  }

  /** Substitutes slf4j-style {} placeholders. */
  static String format(String format, Object... args) {
    if (format == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    int argIndex = 0;
    int from = 0;
    int at;
    while ((at = format.indexOf("{}", from)) >= 0) {
      sb.append(format, from, at);
      sb.append(args != null && argIndex < args.length ? String.valueOf(args[argIndex++]) : "{}");
      from = at + 2;
    }
    return sb.append(format.substring(from)).toString();
  }

  @Override
  public void info(String format, Object... args) {
    log(format, args);
  }

  @Override
  public void warn(String format, Object... args) {
    log(format, args);
  }

  @Override
  public void error(String format, Object... args) {
    log(format, args);
  }

  @Override
  public void debug(String format, Object... args) {
    log(format, args);
  }

  @Override
  public void trace(String format, Object... args) {
    log(format, args);
  }

  @Override
  public boolean isDebugEnabled() {
    return LOG.isLoggable(Level.FINER);
  }

  @Override
  public boolean isInfoEnabled() {
    return LOG.isLoggable(Level.FINE);
  }

  @Override
  public boolean isWarnEnabled() {
    return LOG.isLoggable(Level.FINE);
  }

  @Override
  public boolean isTraceEnabled() {
    return LOG.isLoggable(Level.FINEST);
  }
}
