package io.garagehsm.secret;

/** Reads a secret interactively without echo; injectable so tests need no terminal. */
public interface PasswordPrompt {

  /** Returns the typed secret, or null when there is no interactive console. */
  char[] readPassword(String prompt);

  /** The process console ({@link System#console()}); null answer when there is none. */
  static PasswordPrompt systemConsole() {
    return prompt -> {
      java.io.Console console = System.console();
      return console == null ? null : console.readPassword("%s", prompt);
    };
  }

  /** No console at all. */
  static PasswordPrompt unavailable() {
    return prompt -> null;
  }
}
