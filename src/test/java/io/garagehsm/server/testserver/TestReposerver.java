package io.garagehsm.server.testserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An in-process reposerver on 127.0.0.1 for tests, following the server rules of compat spec
 * §9.3–§9.4 (not just the vectors' lenient mock): canonical answers, {@code x-ats-role-checksum},
 * 428/412 checksum rules, targets signatures against the CURRENT root's targets role, version +1,
 * the keyserver's strict root round-trip check and both root thresholds (rejections as 502 wrapping
 * 400 {@code invalid_root_role}), {@code <n>.root.json}, private keys, delegations, uploads (501 on
 * multipart initiate unless enabled, 302 on PUT uploads to a storage endpoint, or the 500 of a
 * server with local storage), an OAuth2 token endpoint, and fault injection.
 *
 * <p>Server-held keys behave as the real keyserver's (compat spec §9.4, Appendix C): accepting a
 * root deletes the private key of every key the new root no longer lists, and a key the server does
 * not hold answers {@code GET root/private_keys/<id>} with 404 and {@code DELETE} with the
 * reposerver's 502 {@code missing_entity} wrapping the keyserver's 404. There is no other mode.
 *
 * <p>Start: fresh Ed25519 keys for root, targets, snapshot and timestamp; root v1 expiring now +
 * 365 days; all four private keys held by the server. Like the real reposerver, targets.json does
 * not exist until the first {@code GET targets.json}, which creates an empty v1 expiring 31 days
 * later, signed with the online targets key.
 */
public final class TestReposerver implements AutoCloseable {
  public static final String USER_REPO = "/api/v1/user_repo/";
  public static final String DIRECTOR = "/api/v1/director/admin/repo/";

  /**
   * One request as received (headers with lower-case names, body un-gzipped), with the subject of
   * the TLS client certificate the connection presented (null: none, or plain HTTP).
   */
  public record Recorded(
      int number,
      String method,
      String path,
      String query,
      Map<String, List<String>> headers,
      byte[] body,
      boolean gzipped,
      String clientCertificate) {
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The path relative to the API prefix, or the full path for other endpoints. */
    public String apiPath() {
      if (path.startsWith(USER_REPO)) {
        return path.substring(USER_REPO.length());
      }
      if (path.startsWith(DIRECTOR)) {
        return path.substring(DIRECTOR.length());
      }
      return path;
    }

    /** e.g. {@code GET root.json}. */
    public String line() {
      return method + " " + apiPath();
    }
  }

  /** What a fault does to the request it hits. */
  public record Fault(String kind, int status, Duration delay, String location) {
    /** Answer with this status and a libats error body, without acting. */
    public static Fault status(int status) {
      return new Fault("status", status, Duration.ZERO, null);
    }

    /** Close the connection without acting or answering. */
    public static Fault drop() {
      return new Fault("drop", 0, Duration.ZERO, null);
    }

    /** Act on the request, then close the connection without answering (a lost answer). */
    public static Fault dropAfterHandling() {
      return new Fault("dropAfter", 0, Duration.ZERO, null);
    }

    /**
     * The server process dies as the request arrives: it does not act, the connection closes, and
     * connections are refused until {@link #restart()}.
     */
    public static Fault crash() {
      return new Fault("crash", 0, Duration.ZERO, null);
    }

    /** The server acts on the request, then dies before answering (see {@link #crash()}). */
    public static Fault crashAfterHandling() {
      return new Fault("crashAfter", 0, Duration.ZERO, null);
    }

    /** Wait, then handle normally. */
    public static Fault delay(Duration d) {
      return new Fault("delay", 0, d, null);
    }

    /** Answer with a redirect to {@code location}, without acting. */
    public static Fault redirect(int status, String location) {
      return new Fault("redirect", status, Duration.ZERO, location);
    }
  }

  private static final class Rule {
    final Predicate<Recorded> match;
    final Fault fault;
    int remaining;

    Rule(Predicate<Recorded> match, Fault fault, int times) {
      this.match = match;
      this.fault = fault;
      this.remaining = times;
    }
  }

  private volatile HttpServer http;
  private volatile ExecutorService pool;
  private final String url;
  private final boolean tls;
  private final int port;
  private final AtomicInteger counter = new AtomicInteger();
  private final List<Recorded> log = Collections.synchronizedList(new ArrayList<>());
  private final List<Rule> rules = new ArrayList<>();
  private final Clock clock;
  private volatile java.util.function.Consumer<Recorded> listener = r -> {};
  private volatile java.util.function.Consumer<Recorded> handledListener = r -> {};

  // state, guarded by this
  public final TufKeyPair rootKey;
  public final TufKeyPair targetsKey;
  public final TufKeyPair snapshotKey;
  public final TufKeyPair timestampKey;
  private final List<ObjectNode> roots = new ArrayList<>();
  private ObjectNode targets;
  private final Map<String, TufKeyPair> privateKeys = new LinkedHashMap<>();
  private final Map<String, JsonNode> delegations = new HashMap<>();
  private final Map<String, byte[]> storage = new HashMap<>();
  private final Map<String, TreeMap<Integer, byte[]>> multipart = new HashMap<>();
  private boolean multipartEnabled;
  private boolean gzipResponses;
  private String oauthClient;
  private String oauthSecret;
  private String issuedToken;
  private boolean requireBearer;
  private boolean localStorage;
  private TestReposerver objectStore;

  /** The account's repository ID, as it appears in the keyserver URLs the reposerver calls. */
  private final String repoId = UUID.randomUUID().toString();

  private TestReposerver(HttpServer http, Clock clock, String scheme) {
    this.http = http;
    this.clock = clock;
    this.tls = http instanceof HttpsServer;
    serve(http);
    this.port = http.getAddress().getPort();
    this.url = scheme + "://127.0.0.1:" + port;
    rootKey = TufKeyPair.generate(KeyType.ED25519, 256);
    targetsKey = TufKeyPair.generate(KeyType.ED25519, 256);
    snapshotKey = TufKeyPair.generate(KeyType.ED25519, 256);
    timestampKey = TufKeyPair.generate(KeyType.ED25519, 256);
    for (TufKeyPair k : List.of(rootKey, targetsKey, snapshotKey, timestampKey)) {
      privateKeys.put(k.publicKey().keyId(), k);
    }
    Instant now = clock.instant();
    ObjectNode root = MetadataJson.object();
    root.put("_type", "Root");
    root.put("consistent_snapshot", false);
    root.put("expires", Expiry.format(now.plus(Duration.ofDays(365))));
    ObjectNode keys = root.putObject("keys");
    ObjectNode roles = root.putObject("roles");
    for (Map.Entry<String, TufKeyPair> e :
        Map.of(
                "root",
                rootKey,
                "snapshot",
                snapshotKey,
                "targets",
                targetsKey,
                "timestamp",
                timestampKey)
            .entrySet()) {
      keys.set(e.getValue().publicKey().keyId(), e.getValue().publicKey().toJson());
    }
    for (String r : List.of("root", "snapshot", "targets", "timestamp")) {
      TufKeyPair k =
          switch (r) {
            case "root" -> rootKey;
            case "snapshot" -> snapshotKey;
            case "targets" -> targetsKey;
            default -> timestampKey;
          };
      ObjectNode role = roles.putObject(r);
      role.putArray("keyids").add(k.publicKey().keyId());
      role.put("threshold", 1);
    }
    root.put("version", 1);
    roots.add(sign(root, rootKey).toJson());
  }

  /**
   * The reposerver creates targets.json v1 on first access, signed with the online targets key
   * (Appendix C). Null while the current root's targets key is not held (offline before any
   * access): the real server cannot sign one either.
   */
  private ObjectNode targetsOnFirstAccess() {
    if (targets == null) {
      RootRole current = RootRole.of(root(), "root");
      List<String> ids = current.role(RootRole.TARGETS).keyIds();
      TufKeyPair online = ids.isEmpty() ? null : privateKeys.get(ids.get(0));
      if (online == null) {
        return null;
      }
      ObjectNode t = MetadataJson.object();
      t.put("_type", "Targets");
      t.put("expires", Expiry.format(clock.instant().plus(Duration.ofDays(31))));
      t.putObject("targets");
      t.put("version", 1);
      targets = sign(t, online).toJson();
    }
    return targets;
  }

  /** A plain-HTTP server on 127.0.0.1 with a free port. */
  public static TestReposerver start() {
    return start(Clock.systemUTC());
  }

  public static TestReposerver start(Clock clock) {
    try {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      TestReposerver r = new TestReposerver(s, clock, "http");
      s.start();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether an HTTPS test server asks the client for a certificate. */
  public enum ClientAuth {
    /** Never asks. */
    NONE,
    /** Asks; a client without one is served anyway (what it presented is recorded). */
    WANT,
    /** Asks and refuses the handshake without a trusted one. */
    NEED
  }

  /** An HTTPS server; with {@code needClientAuth} the client must present a trusted cert. */
  public static TestReposerver startTls(SSLContext ctx, boolean needClientAuth) {
    return startTls(ctx, needClientAuth ? ClientAuth.NEED : ClientAuth.NONE);
  }

  /** An HTTPS server on 127.0.0.1 with a free port, asking for client certificates as told. */
  public static TestReposerver startTls(SSLContext ctx, ClientAuth clientAuth) {
    try {
      HttpsServer s =
          HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.setHttpsConfigurator(
          new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
              SSLParameters p = ctx.getDefaultSSLParameters();
              if (clientAuth == ClientAuth.NEED) {
                p.setNeedClientAuth(true);
              } else if (clientAuth == ClientAuth.WANT) {
                p.setWantClientAuth(true);
              }
              params.setSSLParameters(p);
            }
          });
      TestReposerver r = new TestReposerver(s, Clock.systemUTC(), "https");
      s.start();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void serve(HttpServer s) {
    ExecutorService p =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "test-reposerver");
              t.setDaemon(true);
              return t;
            });
    s.setExecutor(p);
    s.createContext("/", this::handle);
    this.http = s;
    this.pool = p;
  }

  private static SignedMetadata sign(ObjectNode signed, TufKeyPair key) {
    return MetadataSigner.sign(
        SignedMetadata.unsigned(signed), List.of(new FileSigner(key, "server key")));
  }

  /** {@code http://127.0.0.1:<port>} (no trailing slash). */
  public String url() {
    return url;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
  }

  /** Stops answering (connections are refused from now on); {@link #restart()} serves again. */
  public void stop() {
    close();
  }

  /**
   * Serves again on the same port with the same state, as a restarted server process over its
   * database would (after {@link #stop()} or a {@link Fault#crash()}). Plain HTTP only.
   */
  public synchronized TestReposerver restart() {
    if (tls) {
      throw new IllegalStateException("restart() supports plain HTTP only");
    }
    close();
    IOException last = null;
    for (int i = 0; i < 50; i++) {
      try {
        HttpServer s =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        serve(s);
        s.start();
        return this;
      } catch (IOException e) {
        last = e; // the old socket may linger for a moment
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new UncheckedIOException("cannot serve again on port " + port, last);
  }

  // ---- configuration and faults ----

  public synchronized TestReposerver enableMultipart() {
    multipartEnabled = true;
    return this;
  }

  /**
   * Stores targets locally, like the real reposerver of Appendix C: {@code PUT uploads/…} answers
   * 500 "out of band storage of target is not supported for local storage".
   */
  public synchronized TestReposerver localStorage() {
    localStorage = true;
    return this;
  }

  /**
   * Sends uploads to {@code store} (another origin) instead of this server's own storage endpoint:
   * the 302 of {@code PUT uploads/…} and the multipart part URLs point there, and the bytes end up
   * in {@code store.stored(…)} — an object store on another host, as S3 is for the real server.
   */
  public synchronized TestReposerver objectStoreAt(TestReposerver store) {
    objectStore = store;
    return this;
  }

  private TestReposerver store() {
    return objectStore == null ? this : objectStore;
  }

  private synchronized void openUpload(String uploadId) {
    multipart.put(uploadId, new TreeMap<>());
  }

  private synchronized TreeMap<Integer, byte[]> takeUpload(String uploadId) {
    return multipart.remove(uploadId);
  }

  private synchronized void keep(String filename, byte[] bytes) {
    storage.put(filename, bytes);
  }

  public synchronized TestReposerver gzipResponses() {
    gzipResponses = true;
    return this;
  }

  /** Acts as OAuth2 token endpoint at any path ending in /token; API calls then need the token. */
  public synchronized TestReposerver requireOAuth(String clientId, String secret) {
    oauthClient = clientId;
    oauthSecret = secret;
    requireBearer = true;
    return this;
  }

  /** Applies {@code fault} to the next {@code times} requests matching {@code match}. */
  public synchronized TestReposerver inject(Predicate<Recorded> match, Fault fault, int times) {
    rules.add(new Rule(match, fault, times));
    return this;
  }

  /** Applies {@code fault} to the request with this absolute number (1 = first ever). */
  public TestReposerver injectAt(int requestNumber, Fault fault) {
    return inject(r -> r.number() == requestNumber, fault, 1);
  }

  /** Matches requests by method and API path (e.g. "GET", "root.json"); path may be a prefix. */
  public static Predicate<Recorded> on(String method, String pathPrefix) {
    return r -> r.method().equals(method) && r.apiPath().startsWith(pathPrefix);
  }

  /** Called on arrival of every request, before it is handled (to probe client-side state). */
  public void onRequest(java.util.function.Consumer<Recorded> l) {
    listener = l;
  }

  /**
   * Called after the server has acted on a request and before it answers (to kill the client while
   * the answer is held back). Not called for requests a fault stopped before handling.
   */
  public void onHandled(java.util.function.Consumer<Recorded> l) {
    handledListener = l;
  }

  public synchronized void clearFaults() {
    rules.clear();
  }

  /** Requests received so far (numbered from 1). */
  public int requestCount() {
    return counter.get();
  }

  public List<Recorded> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** {@code METHOD apiPath} of each request since request number {@code after}. */
  public List<String> lines(int after) {
    return requests().stream().filter(r -> r.number() > after).map(Recorded::line).toList();
  }

  // ---- state access ----

  public synchronized SignedMetadata root() {
    return SignedMetadata.fromJson(roots.get(roots.size() - 1), "root");
  }

  public synchronized int rootVersion() {
    return roots.size();
  }

  /** The stored targets.json; created as on a first {@code GET targets.json} if none yet. */
  public synchronized SignedMetadata targets() {
    return SignedMetadata.fromJson(requireTargets(), "targets");
  }

  public synchronized String targetsChecksum() {
    return checksumOf(requireTargets());
  }

  /**
   * The canonical bytes and checksum of the stored targets.json, computed once per stored envelope
   * (by identity): a 100k-target role is ~40 MB, and encoding it twice per request made this test
   * server the slowest part of the pull/push benchmark. Tests replace the envelope, never edit it.
   */
  private ObjectNode canonicalOf;

  private byte[] targetsCanonical;
  private String targetsSum;

  private byte[] canonicalOf(ObjectNode t) {
    if (canonicalOf != t) {
      targetsCanonical = CanonicalJson.encode(t);
      targetsSum = java.util.HexFormat.of().formatHex(sha256(targetsCanonical));
      canonicalOf = t;
    }
    return targetsCanonical;
  }

  private String checksumOf(ObjectNode t) {
    canonicalOf(t);
    return targetsSum;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** False until the first {@code GET targets.json} (or push) made one. */
  public synchronized boolean hasTargets() {
    return targets != null;
  }

  private ObjectNode requireTargets() {
    ObjectNode t = targetsOnFirstAccess();
    if (t == null) {
      throw new IllegalStateException("no targets.json and no online targets key to create one");
    }
    return t;
  }

  public synchronized boolean holdsPrivateKey(String keyId) {
    return privateKeys.containsKey(keyId);
  }

  public synchronized byte[] stored(String filename) {
    return storage.get(filename);
  }

  public synchronized JsonNode delegation(String name) {
    return delegations.get(name);
  }

  /** Server-side root rotation as the keyserver would do it (for chain tests). */
  public synchronized SignedMetadata rotateRoot(TufKeyPair newRoot, List<TufKeyPair> signers) {
    RootRole cur = RootRole.of(root(), "root");
    RootRole next =
        cur.withRole("root", List.of(newRoot.publicKey()), 1).withVersion(cur.version() + 1);
    SignedMetadata md = SignedMetadata.unsigned(next.json());
    List<FileSigner> s = new ArrayList<>();
    for (TufKeyPair k : signers) {
      s.add(new FileSigner(k, "rotation key"));
    }
    md = MetadataSigner.sign(md, s);
    roots.add(md.toJson());
    privateKeys.put(newRoot.publicKey().keyId(), newRoot);
    return md;
  }

  /** Replaces a stored root version (to break the chain in tests). */
  public synchronized void replaceRoot(int version, SignedMetadata md) {
    roots.set(version - 1, md.toJson());
  }

  /** Serves {@code md} as targets.json from now on (a replayed or crafted targets, for tests). */
  public synchronized void replaceTargets(SignedMetadata md) {
    targets = md.toJson();
  }

  /** A no-auth credentials.zip for this server, like the vectors' (init reads it). */
  public Path writeCredentialsZip(Path zip) {
    return writeCredentialsZip(zip, Map.of());
  }

  /**
   * The credentials.zip with {@code extra} entries as well (e.g. {@code client_auth.p12} and {@code
   * server.p12}, which make {@code init} set up mutual TLS).
   */
  public synchronized Path writeCredentialsZip(Path zip, Map<String, byte[]> extra) {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      entry(
          z,
          "treehub.json",
          ("{\"no_auth\":true,\"ostree\":{\"server\":\"" + url + "/treehub\"}}"));
      entry(z, "tufrepo.url", url + "/\n");
      entry(z, "root.json", new String(CanonicalJson.encode(roots.get(0)), StandardCharsets.UTF_8));
      entry(z, "targets.pub", MetadataJson.prettyString(targetsKey.publicKey().toJson()));
      entry(z, "targets.sec", MetadataJson.prettyString(targetsKey.privateJson()));
      for (Map.Entry<String, byte[]> e : new TreeMap<>(extra).entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return zip;
  }

  private static void entry(ZipOutputStream z, String name, String content) throws IOException {
    z.putNextEntry(new ZipEntry(name));
    z.write(content.getBytes(StandardCharsets.UTF_8));
    z.closeEntry();
  }

  // ---- request handling ----

  private record Answer(int status, Map<String, String> headers, byte[] body) {
    static Answer of(int status) {
      return new Answer(status, new LinkedHashMap<>(), new byte[0]);
    }

    static Answer json(int status, JsonNode body, boolean canonical) {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Content-Type", "application/json");
      return new Answer(
          status, h, canonical ? CanonicalJson.encode(body) : MetadataJson.compact(body));
    }

    static Answer error(int status, String code, String description, JsonNode cause) {
      ObjectNode e = errorBody(code, description, cause);
      return json(status, e, false);
    }
  }

  static ObjectNode errorBody(String code, String description, JsonNode cause) {
    ObjectNode e = MetadataJson.object();
    e.put("code", code);
    e.put("description", description);
    if (cause == null) {
      e.putNull("cause");
    } else {
      e.set("cause", cause);
    }
    e.put("errorId", UUID.randomUUID().toString());
    return e;
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      byte[] raw = ex.getRequestBody().readAllBytes();
      boolean gz = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"));
      byte[] body = gz ? new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes() : raw;
      Map<String, List<String>> headers = new TreeMap<>();
      ex.getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      Recorded rec =
          new Recorded(
              counter.incrementAndGet(),
              ex.getRequestMethod(),
              ex.getRequestURI().getRawPath(),
              ex.getRequestURI().getRawQuery(),
              headers,
              body,
              gz,
              clientCertificate(ex));
      log.add(rec);
      listener.accept(rec);
      Fault fault = null;
      synchronized (this) {
        for (Rule r : rules) {
          if (r.remaining > 0 && r.match.test(rec)) {
            r.remaining--;
            fault = r.fault;
            break;
          }
        }
      }
      if (fault != null) {
        switch (fault.kind()) {
          case "crash" -> {
            crash(ex);
            return;
          }
          case "drop" -> {
            ex.close(); // no answer: the client sees the connection closed
            return;
          }
          case "status" -> {
            send(
                ex,
                rec,
                Answer.error(fault.status(), "injected_fault", "injected by the test", null));
            return;
          }
          case "redirect" -> {
            Answer a = Answer.of(fault.status());
            a.headers().put("Location", fault.location());
            send(ex, rec, a);
            return;
          }
          case "delay" -> Thread.sleep(fault.delay().toMillis());
          default -> {}
        }
      }
      Answer a;
      synchronized (this) {
        a = dispatch(rec);
      }
      if (fault != null && fault.kind().equals("dropAfter")) {
        ex.close();
        return;
      }
      if (fault != null && fault.kind().equals("crashAfter")) {
        crash(ex);
        return;
      }
      handledListener.accept(rec);
      send(ex, rec, a);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.close();
    } catch (RuntimeException e) {
      send(ex, null, Answer.error(500, "internal", String.valueOf(e), null));
    }
  }

  /** The subject of the client certificate presented on this exchange's TLS connection, or null. */
  private static String clientCertificate(HttpExchange ex) {
    if (!(ex instanceof HttpsExchange https) || https.getSSLSession() == null) {
      return null;
    }
    try {
      Certificate[] chain = https.getSSLSession().getPeerCertificates();
      return chain.length == 0
          ? null
          : ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      return null; // the client presented none
    }
  }

  /** Dies like a killed process: stop listening, drop every connection, answer nothing. */
  private void crash(HttpExchange ex) {
    // stop listening first: a client retrying as soon as its connection drops must find nothing
    http.stop(0);
    ex.close();
  }

  private void send(HttpExchange ex, Recorded rec, Answer a) throws IOException {
    byte[] body = a.body();
    a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    if (gzipResponses
        && body.length > 0
        && rec != null
        && String.valueOf(rec.header("accept-encoding")).contains("gzip")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(out)) {
        g.write(body);
      }
      body = out.toByteArray();
      ex.getResponseHeaders().add("Content-Encoding", "gzip");
    }
    ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    }
    ex.close();
  }

  private static final Pattern ROOT_N = Pattern.compile("(\\d+)\\.root\\.json");
  private static final Pattern DELEGATION = Pattern.compile("delegations/([^/]+)\\.json");

  private Answer dispatch(Recorded r) {
    String m = r.method();
    String p = r.path();
    if (m.equals("POST") && p.endsWith("/token")) {
      return token(r);
    }
    if (p.startsWith("/storage/")) {
      storage.put(decode(p.substring("/storage/".length())), r.body());
      return Answer.of(200);
    }
    if (p.startsWith("/parts/")) {
      return putPart(r);
    }
    boolean director = p.startsWith(DIRECTOR);
    if (!p.startsWith(USER_REPO) && !director) {
      return Answer.error(404, "not_found", "no route " + p, null);
    }
    if (requireBearer) {
      String auth = r.header("authorization");
      if (issuedToken == null || !("Bearer " + issuedToken).equals(auth)) {
        return Answer.error(401, "unauthorized", "missing or wrong bearer token", null);
      }
    }
    String a = r.apiPath();
    Matcher rn = ROOT_N.matcher(a);
    Matcher dm = DELEGATION.matcher(a);
    String keysPrefix = director ? "private_keys/" : "root/private_keys/";
    if (m.equals("GET") && a.equals("root.json")) {
      return Answer.json(200, roots.get(roots.size() - 1), true);
    } else if (m.equals("GET") && rn.matches()) {
      int v = Integer.parseInt(rn.group(1));
      if (v < 1 || v > roots.size()) {
        return Answer.error(404, "root_role_not_found", "root role version not found", null);
      }
      return Answer.json(200, roots.get(v - 1), true);
    } else if (m.equals("POST") && a.equals("root")) {
      return pushRoot(r);
    } else if (a.startsWith(keysPrefix)) {
      String id = a.substring(keysPrefix.length());
      TufKeyPair k = privateKeys.get(id);
      if (k == null) {
        return keyNotHeld(m, id);
      }
      if (m.equals("DELETE")) {
        privateKeys.remove(id);
        return Answer.of(200);
      }
      ObjectNode pair = MetadataJson.object();
      pair.put("keytype", k.publicKey().type().json());
      ObjectNode val = pair.putObject("keyval");
      val.put("public", k.publicKey().publicValue());
      val.put("private", k.privateJson().path("keyval").path("private").asText());
      return Answer.json(200, pair, false);
    } else if (director) {
      return Answer.error(404, "not_found", "no director route " + a, null);
    } else if (m.equals("GET") && a.equals("targets.json")) {
      ObjectNode t = targetsOnFirstAccess();
      if (t == null) {
        return Answer.error(
            404, "role_not_found", "no targets.json and no online targets key", null);
      }
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Content-Type", "application/json");
      Answer ans = new Answer(200, h, canonicalOf(t));
      ans.headers().put("x-ats-role-checksum", checksumOf(t));
      return ans;
    } else if (m.equals("PUT") && a.equals("targets")) {
      return pushTargets(r);
    } else if (dm.matches() && m.equals("PUT")) {
      delegations.put(dm.group(1), MetadataJson.parse(r.body(), "delegation"));
      return Answer.of(204);
    } else if (dm.matches() && m.equals("GET")) {
      JsonNode d = delegations.get(dm.group(1));
      return d == null
          ? Answer.error(404, "delegation_not_found", "no delegation " + dm.group(1), null)
          : Answer.json(200, d, true);
    } else if (m.equals("POST") && a.startsWith("multipart/initiate/")) {
      if (!multipartEnabled) {
        return Answer.error(501, "not_implemented", "multipart upload not supported", null);
      }
      String id = UUID.randomUUID().toString();
      store().openUpload(id);
      ObjectNode o = MetadataJson.object();
      o.put("uploadId", id);
      o.put("partSize", 1024);
      return Answer.json(200, o, false);
    } else if (m.equals("GET") && a.startsWith("multipart/url/")) {
      Map<String, String> q = query(r.query());
      ObjectNode o = MetadataJson.object();
      o.put(
          "uri",
          store().url
              + "/parts/"
              + q.get("uploadId")
              + "/"
              + q.get("part")
              + "?md5="
              + q.get("md5"));
      return Answer.json(200, o, false);
    } else if (m.equals("PUT") && a.startsWith("multipart/complete/")) {
      JsonNode n = MetadataJson.parse(r.body(), "complete");
      TreeMap<Integer, byte[]> parts = store().takeUpload(n.path("uploadId").asText());
      if (parts == null) {
        return Answer.error(400, "invalid_upload", "unknown uploadId", null);
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      parts.values().forEach(all::writeBytes);
      store().keep(decode(a.substring("multipart/complete/".length())), all.toByteArray());
      return Answer.of(200);
    } else if (m.equals("PUT") && a.startsWith("uploads/")) {
      if (localStorage) {
        return Answer.error(
            500,
            "internal_server_error",
            "out of band storage of target is not supported for local storage",
            null);
      }
      String f = a.substring("uploads/".length());
      Answer ans = Answer.of(302);
      ans.headers().put("Location", store().url + "/storage/" + f + "?signature=test");
      return ans;
    }
    return Answer.error(404, "not_found", "no route " + m + " " + a, null);
  }

  /**
   * A key the keyserver does not hold (Appendix C): GET answers 404 (the reposerver maps the
   * keyserver's 404 to its own "keypair not found"); DELETE answers 502 {@code missing_entity}, the
   * reposerver wrapping the keyserver's {@code 404 Missing entity: Key}.
   */
  private Answer keyNotHeld(String method, String id) {
    if (method.equals("DELETE")) {
      String ks = "http://127.0.0.1:" + port + "/keyserver/api/v1/root/" + repoId;
      return Answer.error(
          502,
          "missing_entity",
          "KeyserverHttpClient|Unexpected response from remote server at "
              + ks
              + "/private_keys/"
              + id
              + "|DELETE|404|Missing entity: Key",
          null);
    }
    return Answer.error(404, "keypair_not_found", "keypair not found in keyserver", null);
  }

  private Answer token(Recorded r) {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((oauthClient + ":" + oauthSecret).getBytes(StandardCharsets.UTF_8));
    if (oauthClient == null || !expected.equals(r.header("authorization"))) {
      return Answer.error(401, "unauthorized", "bad client credentials", null);
    }
    issuedToken = "tok-" + UUID.randomUUID();
    ObjectNode o = MetadataJson.object();
    o.put("access_token", issuedToken);
    o.put("token_type", "bearer");
    o.put("expires_in", 3600);
    return Answer.json(200, o, false);
  }

  private Answer putPart(Recorded r) {
    String[] seg = r.path().split("/");
    String id = seg[2];
    int part = Integer.parseInt(seg[3]);
    TreeMap<Integer, byte[]> parts = multipart.get(id);
    if (parts == null) {
      return Answer.error(404, "no_upload", "unknown upload", null);
    }
    try {
      String md5 =
          Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(r.body()));
      if (!md5.equals(r.header("content-md5"))) {
        return Answer.error(400, "BadDigest", "Content-MD5 mismatch", null);
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    parts.put(part, r.body());
    Answer a = Answer.of(200);
    a.headers().put("ETag", "\"etag-" + part + "\"");
    return a;
  }

  private static Map<String, String> query(String q) {
    Map<String, String> m = new HashMap<>();
    if (q != null) {
      for (String kv : q.split("&")) {
        int i = kv.indexOf('=');
        m.put(decode(i < 0 ? kv : kv.substring(0, i)), i < 0 ? "" : decode(kv.substring(i + 1)));
      }
    }
    return m;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  // ---- targets push (REPO OfflineSignedRoleStorage) ----

  private Answer pushTargets(Recorded r) {
    String sent = r.header("x-ats-role-checksum");
    if (targets != null) {
      if (sent == null) {
        return Answer.error(428, "role_checksum_not_provided", "A role checksum is required", null);
      }
      if (!sent.equals(checksumOf(targets))) {
        return Answer.error(
            412,
            "role_checksum_mismatch",
            "Invalid checksum, trying to update an older version of role",
            null);
      }
    }
    JsonNode raw = MetadataJson.parse(r.body(), "targets");
    List<String> problems = new ArrayList<>();
    SignedMetadata md = SignedMetadata.fromJson(raw, "targets");
    RootRole root = RootRole.of(root(), "root");
    SignedMetadata.Verification v = root.verify(md, "targets");
    if (!v.thresholdMet()) {
      for (String id : v.unknown()) {
        problems.add("key " + id + " required for role validation not found in authoritative role");
      }
      for (String id : v.invalid()) {
        problems.add("Invalid signature for key " + id);
      }
      problems.add(
          "Signature threshold of " + v.threshold() + " not met (" + v.valid().size() + " valid)");
    }
    JsonNode oldTargets =
        targets == null ? MetadataJson.object() : targets.path("signed").path("targets");
    raw.path("signed") // read-only: no copy of a large tree
        .path("targets")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode t = e.getValue();
              if (!t.path("hashes").path("sha256").isTextual()) {
                problems.add("target " + e.getKey() + " has no sha256 hash");
              }
              if (!oldTargets.has(e.getKey())) {
                for (String f :
                    List.of("name", "version", "hardwareIds", "createdAt", "updatedAt")) {
                  if (!t.path("custom").has(f)) {
                    problems.add("target " + e.getKey() + ": custom." + f + " is missing");
                  }
                }
              }
            });
    if (!problems.isEmpty()) {
      return Answer.error(
          400, "invalid_offline_targets", "Invalid offline targets", list(problems));
    }
    int stored = targets == null ? 0 : targets.path("signed").path("version").asInt();
    if (md.version() != stored + 1) {
      return Answer.error(
          409,
          "invalid_version_bump",
          // the real reposerver's wording (compat spec Appendix C)
          "Cannot bump version from " + stored + " to " + md.version(),
          null);
    }
    targets = (ObjectNode) raw;
    Answer a = Answer.of(204);
    a.headers().put("x-ats-role-checksum", checksumOf(targets));
    return a;
  }

  private static JsonNode list(List<String> items) {
    var arr = MetadataJson.array();
    items.forEach(arr::add);
    return arr;
  }

  // ---- root push (KS KeyGenerationRequests.persistUserSigned) ----

  private Answer pushRoot(Recorded r) {
    List<String> problems = new ArrayList<>();
    SignedMetadata md;
    try {
      md = SignedMetadata.fromJson(MetadataJson.parse(r.body(), "root"), "root");
    } catch (RuntimeException e) {
      return rootRejected(List.of("cannot decode root.json: " + e.getMessage()));
    }
    ObjectNode signed = md.signed();
    ObjectNode reencoded;
    try {
      reencoded = reencodeRoot(signed);
      if (!Arrays.equals(CanonicalJson.encode(reencoded), CanonicalJson.encode(signed))) {
        problems.add("an incompatible encoder was used to encode root.json");
      }
    } catch (RuntimeException e) {
      return rootRejected(List.of("cannot decode root.json: " + e.getMessage()));
    }
    RootRole current = RootRole.of(root(), "root");
    RootRole next = RootRole.of(signed, "new root");
    if (next.version() != current.version() + 1) {
      problems.add("Invalid version bump from " + current.version() + " to " + next.version());
    }
    // libtuf RoleValidation.roleIsValid: a root role threshold <= 0 is refused outright
    for (RootRole rr : List.of(current, next)) {
      if (rr.role("root").threshold() <= 0) {
        problems.add("invalid threshold for root role version " + rr.version());
      }
    }
    SignedMetadata.Verification byOld = current.verify(md, "root");
    if (!byOld.thresholdMet()) {
      problems.add("Root role threshold not met for the previous root: " + byOld.describe());
    }
    SignedMetadata.Verification byNew = next.verify(md, "root");
    if (!byNew.thresholdMet()) {
      problems.add("Root role threshold not met for the new root: " + byNew.describe());
    }
    if (!problems.isEmpty()) {
      return rootRejected(problems);
    }
    roots.add((ObjectNode) MetadataJson.parse(r.body(), "root"));
    privateKeys.keySet().retainAll(next.keys().keySet());
    return Answer.of(200);
  }

  private static Answer rootRejected(List<String> problems) {
    ObjectNode ks = errorBody("invalid_root_role", "Invalid root role", list(problems));
    return Answer.error(502, "invalid_root_role", "keyserver rejected root", ks);
  }

  /** What ota-tuf's codecs produce when they decode and re-encode a root's signed part. */
  public static ObjectNode reencodeRoot(ObjectNode s) {
    ObjectNode o = MetadataJson.object();
    String type = s.path("_type").asText(null);
    if (type == null || !type.equalsIgnoreCase("root")) {
      throw new IllegalArgumentException("_type must be Root");
    }
    o.put("_type", "Root");
    if (!s.path("consistent_snapshot").isBoolean()) {
      throw new IllegalArgumentException("Missing required field consistent_snapshot");
    }
    o.put("consistent_snapshot", s.get("consistent_snapshot").booleanValue());
    o.put("expires", Expiry.format(Expiry.parse(s.path("expires").asText(), "expires")));
    ObjectNode keys = o.putObject("keys");
    s.path("keys")
        .fields()
        .forEachRemaining(
            e -> {
              String kt = e.getValue().path("keytype").asText();
              if (!kt.equals("RSA") && !kt.equals("ED25519")) {
                throw new IllegalArgumentException("Unknown KeyType " + kt);
              }
              keys.set(e.getKey(), TufKey.fromJson(e.getValue(), "key").toJson());
            });
    ObjectNode roles = o.putObject("roles");
    s.path("roles")
        .fields()
        .forEachRemaining(
            e -> {
              ObjectNode role = roles.putObject(e.getKey());
              var ids = role.putArray("keyids");
              e.getValue().path("keyids").forEach(k -> ids.add(k.asText()));
              if (!e.getValue().path("threshold").isIntegralNumber()) {
                throw new IllegalArgumentException("threshold of " + e.getKey());
              }
              role.put("threshold", e.getValue().get("threshold").intValue());
            });
    if (!s.path("version").isIntegralNumber()) {
      throw new IllegalArgumentException("version");
    }
    o.put("version", s.get("version").intValue());
    return o;
  }
}
