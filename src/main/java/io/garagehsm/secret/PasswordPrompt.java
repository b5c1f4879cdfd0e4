package io.garagehsm.secret;

/** Reads a secret interactively without echo; injectable so tests need no terminal. */
public interface PasswordPrompt {

  /** Returns the typed secret, or null when there is no interactive console. */
  char[] readPassword(String prompt);

  /** The process console ({@link System#console()}); null answer when there is none. */
  @SuppressWarnings("SystemConsoleNull") // handled: isTerminal() is checked as well
  static PasswordPrompt systemConsole() {
    return prompt -> {
      java.io.Console console = System.console();
      return console == null || !isTerminal(console) ? null : console.readPassword("%s", prompt);
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
    return prompt -> null;
  }
}
