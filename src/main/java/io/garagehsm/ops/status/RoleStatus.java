package io.garagehsm.ops.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The health of one signed role.
 *
 * @param role {@code root} or {@code targets}
 * @param version the local signed version, -1 when unknown
 * @param expires local expiry, or null when unreadable
 * @param left time until expiry (negative when expired), or null
 * @param health the verdict
 * @param threshold signatures the role needs (from the local root)
 * @param valid key IDs with a valid signature that the role lists
 * @param keys the role's keys and where they live
 * @param server how the server's copy compares
 * @param problems what is wrong, one sentence each
 */
public record RoleStatus(
    String role,
    int version,
    Instant expires,
    Duration left,
    Health health,
    int threshold,
    List<String> valid,
    List<KeyLocation> keys,
    ServerComparison server,
    List<String> problems) {

  public RoleStatus {
    valid = List.copyOf(valid);
    keys = List.copyOf(keys);
    problems = List.copyOf(problems);
  }

  public boolean thresholdMet() {
    return threshold >= 1 && valid.size() >= threshold;
  }

  /** The verdict on a role, worst last. */
  public enum Health {
    HEALTHY,
    EXPIRING,
    UNHEALTHY
  }

  /**
   * One key of a role.
   *
   * @param keyId the key ID
   * @param name the key's name in keys/, or null when the repository has no such key
   * @param kind {@code file}, {@code token}, {@code public key only} or {@code not in keys/}
   * @param token for a token key: {@code 'label' (serial …)}, else null
   * @param signed whether it has a valid signature on the role
   */
  public record KeyLocation(String keyId, String name, String kind, String token, boolean signed) {}

  /**
   * The server's copy.
   *
   * @param state {@code agrees}, {@code differs}, {@code missing}, {@code unreachable} or {@code
   *     not checked}
   * @param version the server's version, or -1
   * @param detail a sentence for people, or null
   */
  public record ServerComparison(String state, int version, String detail) {}
}
