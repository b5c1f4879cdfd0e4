package io.garagehsm.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.status.ExpiryWarning;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.TufServerClient;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;

/**
 * Where procedures run: how to reach a repository's server, how to open a named key, the clock and
 * where progress goes. The CLI builds one per invocation ({@code CliContext.operations()}); an
 * embedding program or a test builds its own. Procedures take it instead of each repeating the same
 * fields.
 *
 * @param servers the client for a repository's server (a procedure asks once, under the lock)
 * @param signers opens a named key of a key folder (file or token key)
 * @param clock what "now" is (expiry rules, warnings)
 * @param progress where a procedure tells what it is doing
 */
public record OperationContext(
    Function<Repository, TufServerClient> servers,
    SignerOpener signers,
    Clock clock,
    Progress progress) {

  /** The client for {@code repo}'s server. */
  public TufServerClient server(Repository repo) {
    return servers.apply(repo);
  }

  public Instant now() {
    return clock.instant();
  }

  /**
   * Warns when a role just pulled or pushed expires soon or has expired ({@link ExpiryWarning}).
   */
  public void warnExpiry(String what, SignedMetadata md) {
    ExpiryWarning.check(progress, clock.instant(), what, md);
  }

  /** The same for a role read by streaming: its {@code expires} node. */
  public void warnExpiry(String what, JsonNode expires) {
    ExpiryWarning.check(progress, clock.instant(), what, expires);
  }
}
