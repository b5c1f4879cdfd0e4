package io.garagehsm.ops.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.server.TufServerClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code status}: are the repository's offline-signed roles healthy? Reads {@code roles/root.json}
 * and {@code roles/targets.json}, checks expiry against a clock, signatures against the local root,
 * finds where each key lives, and compares with the server's copy when one is given and reachable.
 */
public final class RepositoryStatus {
  private RepositoryStatus() {}

  /**
   * What to check.
   *
   * @param repo the repository
   * @param now the current time
   * @param warnWithin a role expiring sooner than this is {@code EXPIRING}
   * @param server the server client, or null to stay offline
   */
  public record Input(Repository repo, Instant now, Duration warnWithin, TufServerClient server) {}

  /**
   * The outcome.
   *
   * @param repository repository name
   * @param now when it was checked
   * @param warnWithin the warning window
   * @param server {@code reachable}, {@code unreachable: …} or {@code not checked}
   * @param roles per role, root first
   */
  public record Report(
      String repository, Instant now, Duration warnWithin, String server, List<RoleStatus> roles) {

    /** The worst health of any role. */
    public RoleStatus.Health health() {
      RoleStatus.Health worst = RoleStatus.Health.HEALTHY;
      for (RoleStatus r : roles) {
        if (r.health().compareTo(worst) > 0) {
          worst = r.health();
        }
      }
      return worst;
    }

    /** The same report, the server not checked because it could not be reached ({@code why}). */
    public Report serverNotChecked(String why) {
      return new Report(repository, now, warnWithin, "not checked: " + why, roles);
    }

    /** The report for people ({@code status} without {@code --json}). */
    public String text() {
      return StatusText.of(this);
    }

    /** The report as JSON ({@code status --json}). */
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("repository", repository);
      o.put("time", Expiry.format(now));
      o.put("warn_days", warnWithin.toDays());
      o.put("health", health().name().toLowerCase(java.util.Locale.ROOT));
      o.put("server", server);
      ArrayNode arr = o.putArray("roles");
      for (RoleStatus r : roles) {
        ObjectNode j = arr.addObject();
        j.put("role", r.role());
        j.put("version", r.version());
        if (r.expires() == null) {
          j.putNull("expires");
          j.putNull("seconds_left");
        } else {
          j.put("expires", Expiry.format(r.expires()));
          j.put("seconds_left", r.left().getSeconds());
        }
        j.put("health", r.health().name().toLowerCase(java.util.Locale.ROOT));
        j.put("threshold", r.threshold());
        j.put("valid_signatures", r.valid().size());
        j.put("threshold_met", r.thresholdMet());
        ArrayNode keys = j.putArray("keys");
        for (RoleStatus.KeyLocation k : r.keys()) {
          ObjectNode kj = keys.addObject();
          kj.put("key_id", k.keyId());
          if (k.name() == null) {
            kj.putNull("name");
          } else {
            kj.put("name", k.name());
          }
          kj.put("kind", k.kind());
          if (k.token() == null) {
            kj.putNull("token");
          } else {
            kj.put("token", k.token());
          }
          kj.put("signed", k.signed());
        }
        ObjectNode s = j.putObject("server");
        s.put("state", r.server().state());
        s.put("version", r.server().version());
        if (r.server().detail() != null) {
          s.put("detail", r.server().detail());
        }
        ArrayNode p = j.putArray("problems");
        r.problems().forEach(p::add);
      }
      return o;
    }
  }

  public static Report check(Input in) {
    Repository repo = in.repo();
    Map<String, String> names = repo.keys().namesByKeyId();
    Optional<SignedMetadata> root = repo.signedRole("root");
    String serverState = in.server() == null ? "not checked" : "reachable";
    SignedMetadata serverRoot = null;
    SignedMetadata serverTargets = null;
    if (in.server() != null) {
      try {
        serverRoot = in.server().root();
        if (!repo.config().isDirector()) {
          serverTargets = in.server().targets().targets();
        }
      } catch (RuntimeException e) {
        serverState = "unreachable: " + e.getMessage();
      }
    }
    boolean reachable = serverState.equals("reachable");
    List<RoleStatus> roles = new ArrayList<>();
    if (root.isEmpty()) {
      roles.add(
          missing(
              "root",
              repo.signedFile("root") + " does not exist: run 'root pull -r " + repo.name() + "'"));
      return new Report(repo.name(), in.now(), in.warnWithin(), serverState, roles);
    }
    RootRole rootRole = RootRole.of(root.get(), repo.signedFile("root").toString());
    roles.add(
        role(
            "root",
            root.get(),
            rootRole,
            names,
            repo.keys(),
            in,
            compare(reachable, serverRoot, root.get(), in.server() == null)));
    Optional<SignedMetadata> targets =
        repo.config().isDirector() ? Optional.empty() : repo.signedRole("targets");
    if (targets.isPresent()) {
      roles.add(
          role(
              "targets",
              targets.get(),
              rootRole,
              names,
              repo.keys(),
              in,
              compare(reachable, serverTargets, targets.get(), in.server() == null)));
    }
    return new Report(repo.name(), in.now(), in.warnWithin(), serverState, roles);
  }

  private static RoleStatus missing(String role, String why) {
    return new RoleStatus(
        role,
        -1,
        null,
        null,
        RoleStatus.Health.UNHEALTHY,
        0,
        List.of(),
        List.of(),
        new RoleStatus.ServerComparison("not checked", -1, null),
        List.of(why));
  }

  private static RoleStatus role(
      String role,
      SignedMetadata md,
      RootRole root,
      Map<String, String> names,
      KeyDirectory keys,
      Input in,
      RoleStatus.ServerComparison server) {
    List<String> problems = new ArrayList<>();
    RoleStatus.Health health = RoleStatus.Health.HEALTHY;
    Instant expires = null;
    Duration left = null;
    try {
      expires = Expiry.parse(md.signed().path("expires").asText(), role + ".json expires");
      left = Duration.between(in.now(), expires);
      if (!expires.isAfter(in.now())) {
        health = RoleStatus.Health.UNHEALTHY;
        problems.add(role + ".json expired at " + Expiry.format(expires));
      } else if (left.compareTo(in.warnWithin()) < 0) {
        health = RoleStatus.Health.EXPIRING;
        problems.add(
            role + ".json expires in " + left.toDays() + " days (" + Expiry.format(expires) + ")");
      }
    } catch (RuntimeException e) {
      health = RoleStatus.Health.UNHEALTHY;
      problems.add(role + ".json has no readable expiry: " + e.getMessage());
    }
    SignedMetadata.Verification v;
    RootRole.RoleKeys rk;
    try {
      rk = root.role(role);
      v = root.verify(md, role);
    } catch (RuntimeException e) {
      problems.add("cannot check the signatures: " + e.getMessage());
      return new RoleStatus(
          role,
          md.version(),
          expires,
          left,
          RoleStatus.Health.UNHEALTHY,
          0,
          List.of(),
          List.of(),
          server,
          problems);
    }
    if (!v.thresholdMet()) {
      health = RoleStatus.Health.UNHEALTHY;
      problems.add(
          role
              + ".json has "
              + v.valid().size()
              + " valid signature(s) of threshold "
              + rk.threshold()
              + (v.invalid().isEmpty() ? "" : "; invalid: " + String.join(", ", v.invalid())));
    }
    List<RoleStatus.KeyLocation> locations = new ArrayList<>();
    for (String id : rk.keyIds()) {
      locations.add(locate(id, names.get(id), keys, v.valid().contains(id)));
    }
    return new RoleStatus(
        role,
        md.version(),
        expires,
        left,
        health,
        rk.threshold(),
        v.valid(),
        locations,
        server,
        problems);
  }

  private static RoleStatus.KeyLocation locate(
      String id, String name, KeyDirectory keys, boolean signed) {
    if (name == null) {
      return new RoleStatus.KeyLocation(id, null, "not in keys/", null, signed);
    }
    if (keys.hasPrivateFile(name)) {
      return new RoleStatus.KeyLocation(id, name, "file", null, signed);
    }
    try {
      Optional<TokenReference> ref = keys.tokenReference(name);
      if (ref.isPresent()) {
        Pkcs11Uri uri = Pkcs11Uri.parse(ref.get().uri());
        String token =
            "'"
                + uri.token().orElse("?")
                + "'"
                + uri.serial()
                    .or(() -> Optional.ofNullable(ref.get().tokenSerial()))
                    .map(s -> " (serial " + s + ")")
                    .orElse("");
        return new RoleStatus.KeyLocation(id, name, "token", token, signed);
      }
    } catch (RuntimeException e) {
      return new RoleStatus.KeyLocation(id, name, "unreadable reference", null, signed);
    }
    return new RoleStatus.KeyLocation(id, name, "public key only", null, signed);
  }

  private static RoleStatus.ServerComparison compare(
      boolean reachable, SignedMetadata remote, SignedMetadata local, boolean offline) {
    if (offline) {
      return new RoleStatus.ServerComparison("not checked", -1, null);
    }
    if (!reachable) {
      return new RoleStatus.ServerComparison("unreachable", -1, null);
    }
    if (remote == null) {
      return new RoleStatus.ServerComparison("missing", -1, "the server has no copy");
    }
    boolean same =
        CanonicalJson.sha256Hex(remote.signed()).equals(CanonicalJson.sha256Hex(local.signed()));
    if (same) {
      return new RoleStatus.ServerComparison("agrees", remote.version(), null);
    }
    return new RoleStatus.ServerComparison(
        "differs",
        remote.version(),
        "the server has version "
            + remote.version()
            + ", local is version "
            + local.version()
            + (remote.version() > local.version() ? ": pull it" : ": push it"));
  }
}
