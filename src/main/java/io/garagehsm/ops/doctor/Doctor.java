package io.garagehsm.ops.doctor;

import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.status.RepositoryStatus;
import io.garagehsm.ops.status.RoleStatus;
import io.garagehsm.ops.tokens.ModuleHints;
import io.garagehsm.pkcs11.KeyDescription;
import io.garagehsm.pkcs11.MechanismDescription;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.pkcs11.RsaSigningPath;
import io.garagehsm.pkcs11.TokenBackend;
import io.garagehsm.pkcs11.TokenDescription;
import io.garagehsm.pkcs11.TokenException;
import io.garagehsm.pkcs11.TokenFlags;
import io.garagehsm.repo.RepoException;
import io.garagehsm.repo.Repository;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.secret.SecretSource;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.SigningException;
import io.garagehsm.signing.TokenKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code doctor}: is this machine ready to sign? Checks, without logging in unless asked, that the
 * PKCS#11 module loads, that the tokens show (with the SOFTHSM2_CONF / TPM / p11-kit hints when
 * none does), that the repository's token keys are on their tokens with the recorded key IDs, that
 * the mechanisms each key will sign with are usable, that each key's PIN source is readable (never
 * reading the PIN), that the server answers with the repository's credentials, and how long the
 * signed roles have left. With {@code login}, logs in once per token (one PIN try per run, and the
 * wrong-PIN ledger is honoured as in every login) and opens each private key.
 */
public final class Doctor {

  /**
   * What to check.
   *
   * @param repoOrNull the repository ({@code -r}), or null for the tokens only
   * @param tokenUriOrNull {@code --token}: a token to check (also without a repository), or null
   * @param login whether to log in to each token and open each private key
   * @param now the current time (role expiry)
   * @param warnWithin a role expiring sooner than this is a warning
   */
  public record Request(
      Repository repoOrNull,
      String tokenUriOrNull,
      boolean login,
      Instant now,
      Duration warnWithin) {}

  private final TokenKeys tokens;
  private final Map<String, String> env;
  private final Function<Repository, TufServerClient> serversOrNull;

  /**
   * @param tokens token access of the run (its PIN sources are only inspected, unless logging in)
   * @param env the invocation's environment (for the no-token hints)
   * @param serversOrNull makes a fast-failing client for a repository, or null to stay offline
   */
  public Doctor(
      TokenKeys tokens,
      Map<String, String> env,
      Function<Repository, TufServerClient> serversOrNull) {
    this.tokens = tokens;
    this.env = Map.copyOf(env);
    this.serversOrNull = serversOrNull;
  }

  /** A token key of the repository: its name, reference and recorded public key. */
  private record RepoKey(String name, TokenReference ref, Pkcs11Uri uri, TufKey pub) {}

  /** A token found once and shared by the keys on it. */
  private record FoundToken(TokenBackend backend, TokenDescription token) {}

  public DoctorReport run(Request request) {
    List<Check> out = new ArrayList<>();
    Repository repo = request.repoOrNull();
    List<Pkcs11Uri> tokenUris = new ArrayList<>();
    List<RepoKey> repoKeys = repo == null ? List.of() : repoKeys(repo, out);
    if (request.tokenUriOrNull() != null) {
      try {
        tokenUris.add(TokenKeys.parseUri(request.tokenUriOrNull()).tokenPart());
      } catch (SigningException e) {
        out.add(Check.fail("token", request.tokenUriOrNull(), e.getMessage(), e.hint()));
      }
    }
    for (RepoKey k : repoKeys) {
      if (!tokenUris.contains(k.uri().tokenPart())) {
        tokenUris.add(k.uri().tokenPart());
      }
    }
    Map<Pkcs11Uri, Optional<FoundToken>> found = new LinkedHashMap<>();
    Set<Path> modulesChecked = new HashSet<>();
    Set<String> moduleFailures = new HashSet<>();
    // no repository and no --token: the module and its tokens (a repository of file keys
    // alone needs no module at all)
    if (repo == null && request.tokenUriOrNull() == null) {
      allTokens(out, request.login());
    }
    for (Pkcs11Uri uri : tokenUris) {
      found.put(uri, token(uri, out, modulesChecked, moduleFailures));
    }
    for (RepoKey k : repoKeys) {
      Optional<FoundToken> t = found.get(k.uri().tokenPart());
      if (t != null && t.isPresent()) {
        keyChecks(k, t.get(), out);
      }
    }
    if (request.login()) {
      login(tokenUris, found, repoKeys, out);
    }
    if (repo != null) {
      server(repo, out);
      expiry(repo, request, out);
    }
    return new DoctorReport(repo == null ? null : repo.name(), request.login(), out);
  }

  // ---- repository keys ----

  private static List<RepoKey> repoKeys(Repository repo, List<Check> out) {
    List<String> names = new ArrayList<>();
    Path dir = repo.keysDir();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(TokenReference.SUFFIX))
            .map(n -> n.substring(0, n.length() - TokenReference.SUFFIX.length()))
            .sorted()
            .forEach(names::add);
      } catch (IOException e) {
        out.add(Check.fail("key", dir.toString(), "cannot list " + dir + ": " + e, null));
      }
    }
    if (names.isEmpty()) {
      out.add(
          Check.ok(
              "key",
              repo.name(),
              "no token keys in " + dir + " (file keys only): nothing on a token to check"));
    }
    List<RepoKey> keys = new ArrayList<>();
    for (String n : names) {
      try {
        TokenReference ref = repo.keys().tokenReference(n).orElseThrow();
        Pkcs11Uri uri = TokenKeys.parseUri(ref.uri());
        keys.add(new RepoKey(n, ref, uri, repo.keys().publicKey(n)));
      } catch (RuntimeException e) {
        out.add(Check.fail("key", n, e.getMessage(), hintOf(e)));
      }
    }
    return keys;
  }

  // ---- module and tokens ----

  /** No repository, no --token: the default module and all its tokens. */
  private void allTokens(List<Check> out, boolean login) {
    TokenBackend backend;
    try {
      backend = tokens.backend(null);
    } catch (RuntimeException e) {
      out.add(Check.fail("module", "default", e.getMessage(), hintOf(e)));
      return;
    }
    List<TokenDescription> all = initialised(backend, out);
    if (all == null) {
      return;
    }
    if (all.isEmpty()) {
      out.add(
          noToken(
              backend,
              backend.modulePath().toString(),
              "no initialised token in " + backend.modulePath()));
    }
    for (TokenDescription t : all) {
      out.add(tokenState(t));
      if (login) {
        loginToToken(new FoundToken(backend, t), t.uri(), out);
      }
    }
  }

  private Optional<FoundToken> token(
      Pkcs11Uri uri, List<Check> out, Set<Path> modulesChecked, Set<String> moduleFailures) {
    TokenBackend backend;
    try {
      backend = tokens.backend(uri);
    } catch (RuntimeException e) {
      String module = uri.modulePath().orElse("the module for " + uri.withoutQuery());
      if (moduleFailures.add(module + e.getMessage())) {
        out.add(Check.fail("module", module, e.getMessage(), hintOf(e)));
      }
      return Optional.empty();
    }
    boolean firstLook = modulesChecked.add(backend.modulePath());
    List<TokenDescription> all = initialised(backend, firstLook ? out : new ArrayList<>());
    if (all == null) {
      return Optional.empty();
    }
    List<TokenDescription> matching = new ArrayList<>();
    for (TokenDescription t : all) {
      if (matches(uri, t)) {
        matching.add(t);
      }
    }
    String label = uri.token().orElse(uri.toString());
    if (matching.isEmpty()) {
      out.add(
          noToken(
              backend,
              label,
              "no initialised token matches "
                  + uri.withoutQuery()
                  + " in "
                  + backend.modulePath()
                  + "; tokens present: "
                  + names(all)));
      return Optional.empty();
    }
    if (matching.size() > 1) {
      out.add(
          Check.fail(
              "token",
              label,
              "more than one token matches " + uri.withoutQuery() + ": " + names(matching),
              "add serial=<serial> to the pkcs11: URI (keys/<name>.pkcs11)"));
      return Optional.empty();
    }
    out.add(tokenState(matching.get(0)));
    return Optional.of(new FoundToken(backend, matching.get(0)));
  }

  /** The initialised tokens, with the module's OK line; null (and a FAIL) when it cannot list. */
  private static List<TokenDescription> initialised(TokenBackend backend, List<Check> out) {
    List<TokenDescription> all = new ArrayList<>();
    int slots;
    try {
      List<TokenDescription> listed = backend.tokens();
      slots = listed.size();
      for (TokenDescription t : listed) {
        if (t.flags().tokenInitialized()) {
          all.add(t);
        }
      }
    } catch (RuntimeException e) {
      out.add(Check.fail("module", backend.modulePath().toString(), e.getMessage(), hintOf(e)));
      return null;
    }
    out.add(
        Check.ok(
            "module",
            backend.modulePath().toString(),
            "loads as a PKCS#11 module ("
                + backend.kind().name().toLowerCase(java.util.Locale.ROOT)
                + " backend): "
                + slots
                + " slot(s) with a token, "
                + all.size()
                + " initialised"));
    return all;
  }

  private Check noToken(TokenBackend backend, String subject, String message) {
    return Check.fail("token", subject, message, ModuleHints.noToken(backend.modulePath(), env));
  }

  private static Check tokenState(TokenDescription t) {
    TokenFlags f = t.flags();
    String who = t.displayName() + (t.model().isEmpty() ? "" : ", " + t.model());
    if (f.userPinLocked()) {
      return Check.fail(
          "token",
          t.label(),
          "token " + who + ": the user PIN is locked (CKF_USER_PIN_LOCKED)",
          "the Security Officer unblocks it (pkcs11-tool --login --login-type so --init-pin)");
    }
    if (f.userPinFinalTry()) {
      return Check.warn(
          "token",
          t.label(),
          "token " + who + ": one more wrong user PIN locks it (CKF_USER_PIN_FINAL_TRY)",
          "make sure the PIN source is right; signing then needs --allow-final-pin-try");
    }
    if (f.loginRequired() && !f.userPinInitialized()) {
      return Check.fail(
          "token",
          t.label(),
          "token " + who + ": the user PIN is not initialised",
          "set it with the Security Officer PIN (pkcs11-tool --login --login-type so --init-pin)");
    }
    if (f.userPinCountLow()) {
      return Check.warn(
          "token",
          t.label(),
          "token " + who + " reports an earlier wrong user PIN (CKF_USER_PIN_COUNT_LOW)",
          "check the PIN source before the next login");
    }
    return Check.ok(
        "token",
        t.label(),
        "token "
            + who
            + " is present"
            + (f.loginRequired()
                ? f.protectedAuthenticationPath() ? "; login on the PIN pad" : "; user PIN ok"
                : "; needs no login"));
  }

  // ---- keys, mechanisms, PIN sources ----

  private void keyChecks(RepoKey k, FoundToken t, List<Check> out) {
    KeyDescription key = null;
    try {
      List<KeyDescription> visible = t.backend().keys(t.token().uri());
      List<KeyDescription> match = new ArrayList<>();
      for (KeyDescription d : visible) {
        boolean labelOk = k.uri().object().map(o -> o.equals(d.label())).orElse(true);
        boolean idOk = k.uri().id().map(i -> Arrays.equals(i, d.id())).orElse(true);
        if (labelOk && idOk) {
          match.add(d);
        }
      }
      out.add(keyFound(k, t.token(), visible, match));
      if (match.size() == 1) {
        key = match.get(0);
      }
    } catch (RuntimeException e) {
      out.add(Check.fail("key", k.name(), e.getMessage(), hintOf(e)));
    }
    out.add(mechanism(k, t.token(), key));
    out.add(pinSource(k, t.token()));
  }

  private static Check keyFound(
      RepoKey k, TokenDescription t, List<KeyDescription> visible, List<KeyDescription> match) {
    String on = "on token '" + t.label() + "'";
    String ref = "keys/" + k.name() + TokenReference.SUFFIX;
    if (!k.pub().keyId().equals(k.ref().keyId())) {
      return Check.fail(
          "key",
          k.name(),
          "keys/"
              + k.name()
              + ".pub is key ID "
              + k.pub().keyId()
              + " but "
              + ref
              + " records "
              + k.ref().keyId(),
          "re-adopt the token key (key adopt) so that both files describe it");
    }
    if (match.isEmpty()) {
      if (visible.isEmpty()) {
        return Check.warn(
            "key",
            k.name(),
            "no public-key objects are visible " + on + " without login (YubiHSM 2 keeps none)",
            "run doctor --login to open the private key");
      }
      return Check.fail(
          "key",
          k.name(),
          "no key " + on + " matches " + k.uri().withoutQuery() + " (from " + ref + ")",
          "'tokens list' shows the keys on the token; fix " + ref + " or adopt the key again");
    }
    if (match.size() > 1) {
      return Check.fail(
          "key",
          k.name(),
          "more than one key " + on + " matches " + k.uri().withoutQuery(),
          "add id=<hex id> to the URI in " + ref);
    }
    KeyDescription d = match.get(0);
    Optional<String> actual = d.publicKey().map(p -> TufKey.of(p).keyId());
    if (actual.isEmpty()) {
      return Check.warn(
          "key",
          k.name(),
          "key " + d.displayName() + " " + on + " does not reveal its public key without login",
          "run doctor --login to compare its key ID");
    }
    if (!actual.get().equals(k.ref().keyId())) {
      return Check.fail(
          "key",
          k.name(),
          "the key "
              + ref
              + " selects "
              + on
              + " ("
              + d.displayName()
              + ") has key ID "
              + actual.get()
              + ", but "
              + ref
              + " records "
              + k.ref().keyId(),
          "the URI selects another key: fix " + ref + " or re-adopt the key (key adopt)");
    }
    return Check.ok(
        "key",
        k.name(),
        "key " + d.displayName() + " is " + on + " with the recorded key ID " + k.ref().keyId());
  }

  private static Check mechanism(RepoKey k, TokenDescription t, KeyDescription keyOrNull) {
    KeyType type = k.pub().type();
    if (type == KeyType.ECPRIME256V1) {
      return Check.fail(
          "mechanism",
          k.name(),
          "ECDSA keys cannot sign Uptane metadata for aktualizr",
          "use an Ed25519 or RSA key");
    }
    if (type == KeyType.ED25519) {
      return offers(t, "EDDSA")
          ? Check.ok("mechanism", k.name(), "signs Ed25519 with CKM_EDDSA (single-part)")
          : Check.fail(
              "mechanism",
              k.name(),
              "token '" + t.label() + "' offers no CKM_EDDSA for signing",
              "use a token with EdDSA (SoftHSM2 2.6+, YubiHSM 2, Nitrokey HSM 2) or an RSA key");
    }
    RsaSigningPath path = keyOrNull == null ? null : keyOrNull.rsaSigningPathOrNull();
    if (path == null) {
      boolean any =
          offers(t, "RSA_PKCS_PSS") || offers(t, "SHA256_RSA_PKCS_PSS") || offers(t, "RSA_X_509");
      return any
          ? Check.ok(
              "mechanism",
              k.name(),
              "token '"
                  + t.label()
                  + "' offers an RSA-PSS path; the key's own"
                  + " CKA_ALLOWED_MECHANISMS are read at login (--login)")
          : Check.fail(
              "mechanism",
              k.name(),
              "token '"
                  + t.label()
                  + "' offers none of CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS,"
                  + " CKM_RSA_X_509 for signing",
              "use a token that signs RSA-PSS, or an Ed25519 key");
    }
    if (path == RsaSigningPath.NONE) {
      return Check.fail(
          "mechanism",
          k.name(),
          "no RSA-PSS mechanism is usable with this key (its CKA_ALLOWED_MECHANISMS and the"
              + " token's list allow none of CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS,"
              + " CKM_RSA_X_509)",
          "create the key with CKM_RSA_PKCS_PSS allowed, or use another key");
    }
    return Check.ok("mechanism", k.name(), "signs RSASSA-PSS via " + path.display());
  }

  private static boolean offers(TokenDescription t, String name) {
    for (MechanismDescription m : t.mechanisms()) {
      if (m.name().equals(name) && m.sign()) {
        return true;
      }
    }
    return false;
  }

  private Check pinSource(RepoKey k, TokenDescription t) {
    TokenFlags f = t.flags();
    if (!f.loginRequired()) {
      return Check.ok("pin", k.name(), "token '" + t.label() + "' needs no login");
    }
    if (f.protectedAuthenticationPath()) {
      return Check.ok("pin", k.name(), "the PIN is entered on the PIN pad of the reader");
    }
    SecretSource.Availability a =
        tokens.pins().withUriPinSource(k.uri().pinSource().orElse(null)).availability();
    if (!a.ready()) {
      return Check.fail(
          "pin",
          k.name(),
          "PIN source " + a.source() + ": " + a.problem(),
          "supply a PIN with --pin-file <path>, --pin-env <NAME>, pin-source=file:<path> in the"
              + " pkcs11: URI, or GARAGE_HSM_PIN");
    }
    if (a.problem() != null) {
      return Check.warn("pin", k.name(), "PIN source " + a.source() + " is " + a.problem(), null);
    }
    return Check.ok("pin", k.name(), "PIN from " + a.source() + " (readable; not read)");
  }

  // ---- login ----

  private void login(
      List<Pkcs11Uri> tokenUris,
      Map<Pkcs11Uri, Optional<FoundToken>> found,
      List<RepoKey> repoKeys,
      List<Check> out) {
    for (Pkcs11Uri uri : tokenUris) {
      Optional<FoundToken> t = found.get(uri);
      if (t == null || t.isEmpty()) {
        continue;
      }
      List<RepoKey> onToken =
          repoKeys.stream().filter(k -> k.uri().tokenPart().equals(uri)).toList();
      if (onToken.isEmpty()) {
        loginToToken(t.get(), uri, out);
        continue;
      }
      // one login per token: the first key logs in, the others reuse the session; after a failed
      // login nothing more is tried on this token (one PIN try per run)
      for (RepoKey k : onToken) {
        try (Signer s = tokens.open(k.ref().uri(), k.pub(), k.name())) {
          out.add(
              Check.ok(
                  "login",
                  k.name(),
                  "logged in to token '"
                      + t.get().token().label()
                      + "'; the private key opens and is key ID "
                      + s.keyId()));
        } catch (RuntimeException e) {
          out.add(Check.fail("login", k.name(), e.getMessage(), hintOf(e)));
          break;
        }
      }
    }
  }

  private void loginToToken(FoundToken t, Pkcs11Uri uri, List<Check> out) {
    try {
      List<KeyDescription> keys =
          t.backend()
              .keys(t.token().uri(), tokens.pins().withUriPinSource(uri.pinSource().orElse(null)));
      out.add(
          Check.ok(
              "login",
              t.token().label(),
              "logged in to token '"
                  + t.token().label()
                  + "'; "
                  + keys.size()
                  + " key(s) visible"));
    } catch (RuntimeException e) {
      out.add(Check.fail("login", t.token().label(), e.getMessage(), hintOf(e)));
    }
  }

  // ---- server and roles ----

  private void server(Repository repo, List<Check> out) {
    if (serversOrNull == null) {
      return;
    }
    TufServerClient client;
    try {
      client = serversOrNull.apply(repo);
    } catch (RuntimeException e) {
      out.add(Check.fail("server", repo.name(), e.getMessage(), hintOf(e)));
      return;
    }
    String server = client.server();
    try {
      SignedMetadata root = client.root();
      int version = root.signed().path("version").asInt(-1);
      int local = repo.signedRole("root").map(r -> r.signed().path("version").asInt(-1)).orElse(-1);
      if (local >= 0 && version > local) {
        out.add(
            Check.warn(
                "server",
                server,
                "the server answers with the credentials and serves root.json v"
                    + version
                    + ", newer than the local v"
                    + local,
                "run 'root pull -r " + repo.name() + "' before signing"));
      } else {
        out.add(
            Check.ok(
                "server",
                server,
                "answers with the repository's credentials (root.json v" + version + ")"));
      }
    } catch (ServerException e) {
      out.add(
          CredentialsRefusal.applies(e)
              ? CredentialsRefusal.check(repo, server, e)
              : Check.fail("server", server, e.getMessage(), e.hint()));
    } catch (RuntimeException e) {
      out.add(Check.fail("server", server, e.getMessage(), hintOf(e)));
    }
  }

  private static void expiry(Repository repo, Request request, List<Check> out) {
    RepositoryStatus.Report report;
    try {
      report =
          RepositoryStatus.check(
              new RepositoryStatus.Input(repo, request.now(), request.warnWithin(), null));
    } catch (RuntimeException e) {
      out.add(Check.fail("expiry", repo.name(), e.getMessage(), hintOf(e)));
      return;
    }
    for (RoleStatus r : report.roles()) {
      String fix =
          r.role().equals("root")
              ? "sign a new root: root increment-version, root sign, root push"
              : "sign targets again: targets sign, targets push";
      String what =
          r.role()
              + ".json"
              + (r.version() >= 0 ? " v" + r.version() : "")
              + (r.expires() == null
                  ? ""
                  : r.left().isNegative()
                      ? " expired at " + Expiry.format(r.expires())
                      : " expires " + Expiry.format(r.expires()) + " (in " + days(r.left()) + ")");
      out.add(
          switch (r.health()) {
            case HEALTHY -> Check.ok("expiry", r.role(), what);
            case EXPIRING -> Check.warn("expiry", r.role(), what, fix + " before it expires");
            case UNHEALTHY ->
                Check.fail(
                    "expiry",
                    r.role(),
                    r.problems().isEmpty() ? what : what + ": " + String.join("; ", r.problems()),
                    r.expires() != null && r.left().isNegative() ? fix : null);
          });
    }
  }

  private static String days(Duration d) {
    long days = d.toDays();
    return days >= 1 ? days + " days" : d.toHours() + " hours";
  }

  // ---- helpers ----

  private static boolean matches(Pkcs11Uri uri, TokenDescription t) {
    return uri.token().map(t.label()::equals).orElse(true)
        && uri.serial().map(t.serial()::equals).orElse(true)
        && uri.manufacturer().map(t.manufacturer()::equals).orElse(true)
        && uri.model().map(t.model()::equals).orElse(true);
  }

  private static String names(List<TokenDescription> tokens) {
    if (tokens.isEmpty()) {
      return "none";
    }
    List<String> n = new ArrayList<>();
    tokens.forEach(t -> n.add(t.displayName()));
    return String.join(", ", n);
  }

  /** The fix a lower layer attached to its exception, or null. */
  static String hintOf(RuntimeException e) {
    if (e instanceof TokenException t) {
      return t.hint().orElse(null);
    }
    if (e instanceof SigningException s) {
      return s.hint();
    }
    if (e instanceof OperationException o) {
      return o.hint();
    }
    if (e instanceof RepoException r) {
      return r.hint();
    }
    if (e instanceof MetadataException m) {
      return m.hint();
    }
    if (e instanceof ServerException s) {
      return s.hint();
    }
    return null;
  }
}
