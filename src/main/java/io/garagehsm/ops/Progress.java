package io.garagehsm.ops;

/**
 * Where a procedure tells people what it is doing while it runs (the CLI's stderr). Results are
 * returned, never printed through here.
 */
public interface Progress {

  /** A progress or result message. */
  void info(String message);

  /** A warning: something the user should know or fix, the procedure goes on. */
  void warn(String message);

  /** Drops every message (tests, embedding code that does not want them). */
  static Progress silent() {
    return new Progress() {
      @Override
      public void info(String message) {}

      @Override
      public void warn(String message) {}
    };
  }
}
