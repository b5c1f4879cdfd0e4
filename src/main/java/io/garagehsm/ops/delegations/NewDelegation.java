package io.garagehsm.ops.delegations;

import io.garagehsm.metadata.TargetsRole;
import java.time.Duration;
import java.time.Instant;

/** {@code delegations init}: an empty unsigned delegated targets role, version 1, one year. */
public final class NewDelegation {
  private NewDelegation() {}

  /** The role created at {@code now}: version 1, expiring now + 365 days. */
  public static DelegationFile create(Instant now) {
    TargetsRole t = TargetsRole.empty(1, now.plus(Duration.ofDays(365)));
    return DelegationFile.of(t.json(), null);
  }
}
