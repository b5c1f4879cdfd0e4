package io.garagehsm.secret;

/** Reads a secret interactively without echo; injectable so tests need no terminal. */
public interface PasswordPrompt {

  /** Returns the typed secret (possibly empty), or null at end of input. */
  char[] readPassword(String prompt);

  /** Whether there is someone to ask (a terminal); false means never call readPassword. */
  default boolean interactive() {
    return true;
  }

  /** The process console ({@link System#console()}); null answer when there is none. */
  @SuppressWarnings("SystemConsoleNull") // handled: isTerminal() is checked as well
  static PasswordPrompt systemConsole() {
    return new PasswordPrompt() {
      @Override
      public char[] readPassword(String prompt) {
        java.io.Console console = System.console();
        return console == null ? null : console.readPassword("%s", prompt);
      }

      @Override
      public boolean interactive() {
        java.io.Console console = System.console();
        return console != null && isTerminal(console);
      }
    };
  }

  /**
   * From JDK 22 on, System.console() is non-null even without a terminal; Console.isTerminal() (JDK
   * 22+, looked up reflectively to build on 17) tells the difference.
   */
  private static boolean isTerminal(java.io.Console console) {
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 17-21: a non-null console is a terminal.
    }
  }

  /** No console at all. */
  static PasswordPrompt unavailable() {
    return new PasswordPrompt() {
      @Override
      public char[] readPassword(String prompt) {
        return null;
      }

      @Override
      public boolean interactive() {
        return false;
      }
    };
  }
}
