package io.garagehsm.secret;

import java.util.Arrays;

/**
 * A PIN or password held as a {@code char[]} so it can be wiped. {@link #close()} overwrites it;
 * {@link #toString()} never reveals it.
 */
public final class Secret implements AutoCloseable {
  private final char[] chars;
  private boolean wiped;

  private Secret(char[] chars) {
    this.chars = chars;
  }

  /** Takes ownership of {@code chars}: the caller must not use or wipe the array afterwards. */
  public static Secret adopt(char[] chars) {
    return new Secret(chars);
  }

  /** Copies {@code chars}; the caller keeps (and should wipe) its array. */
  public static Secret copyOf(char[] chars) {
    return new Secret(chars.clone());
  }

  /**
   * The secret itself, not a copy: do not keep a reference beyond the call that needs it.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public char[] chars() {
    if (wiped) {
      throw new IllegalStateException("secret already wiped");
    }
    return chars;
  }

  public boolean isEmpty() {
    return chars.length == 0;
  }

  public boolean isWiped() {
    return wiped;
  }

  @Override
  public void close() {
    Arrays.fill(chars, '\0');
    wiped = true;
  }

  @Override
  public String toString() {
    return "Secret[hidden]";
  }
}
