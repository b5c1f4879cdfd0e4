package io.garagehsm.ops.ceremony;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;

/**
 * Asks a keyholder at a terminal to insert their token. Injectable: tests drive it without a
 * terminal, and without one the procedures fail naming the missing tokens instead of waiting.
 */
public interface TokenPrompter {

  /** True when someone can answer (a terminal is attached). */
  boolean interactive();

  /**
   * Shows {@code message} and waits for Enter.
   *
   * @return false when input ended (the keyholder gave up)
   */
  boolean await(String message);

  /** No terminal: never interactive. */
  static TokenPrompter none() {
    return new TokenPrompter() {
      @Override
      public boolean interactive() {
        return false;
      }

      @Override
      public boolean await(String message) {
        return false;
      }
    };
  }

  /** The process console, when stdin and stdout are a terminal; prompts go to {@code err}. */
  @SuppressWarnings("SystemConsoleNull") // null and non-terminal consoles are both handled
  static TokenPrompter systemConsole(PrintStream err) {
    return new TokenPrompter() {
      @Override
      public boolean interactive() {
        java.io.Console c = System.console();
        if (c == null) {
          return false;
        }
        try {
          return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
          return true; // JDK 17-21: a non-null console is a terminal
        }
      }

      @Override
      public boolean await(String message) {
        java.io.Console c = System.console();
        if (c == null) {
          return false;
        }
        err.print(message);
        err.flush();
        BufferedReader r = new BufferedReader(c.reader());
        try {
          return r.readLine() != null;
        } catch (IOException e) {
          return false;
        }
      }
    };
  }
}
