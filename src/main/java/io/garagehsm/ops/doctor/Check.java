package io.garagehsm.ops.doctor;

/**
 * One check of {@code doctor}: what was checked, the verdict, what was found and how to fix it.
 *
 * @param check the kind of check ({@code module}, {@code token}, {@code key}, {@code mechanism},
 *     {@code pin}, {@code login}, {@code server}, {@code expiry})
 * @param subject what it was checked on (a module path, a token label, a key name, a role)
 * @param status the verdict
 * @param message what was found, one sentence
 * @param fix how to fix it, or null when nothing needs fixing
 */
public record Check(String check, String subject, Status status, String message, String fix) {

  /** The verdict, worst last. */
  public enum Status {
    OK,
    WARN,
    FAIL
  }

  static Check ok(String check, String subject, String message) {
    return new Check(check, subject, Status.OK, message, null);
  }

  static Check warn(String check, String subject, String message, String fix) {
    return new Check(check, subject, Status.WARN, message, fix);
  }

  static Check fail(String check, String subject, String message, String fix) {
    return new Check(check, subject, Status.FAIL, message, fix);
  }
}
