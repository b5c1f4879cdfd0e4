package io.garagehsm.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLContext;

/**
 * The JDK HTTP client with what every call needs: authentication, timeouts, gzip of large request
 * bodies and of answers, and bounded retries with exponential backoff for calls that are safe to
 * repeat (never for a root POST or a targets PUT). Every server answer is hostile: only a call's
 * documented success codes count as success, bodies are bounded in size (on the wire and after
 * decoding) and in time (the deadline covers the whole body), and credentials — the bearer token
 * and the mutual-TLS identity — go only to the configured server's origin. Errors become {@link
 * ServerException}s naming the call.
 */
final class Http {
  /** Answers worth retrying (LIBTUF CliHttpClient): transient server or gateway trouble. */
  static final Set<Integer> TRANSIENT = Set.of(429, 500, 502, 503, 504);

  /** What a write call may answer when it did what was asked (compat spec §9.2: 2xx, 204). */
  static final Set<Integer> DONE = Set.of(200, 201, 204);

  /** The redirect answers of PUT uploads (the reposerver sends 302, compat spec §10.6). */
  static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  /**
   * A refused connection means nothing listens there; two more tries cover a server restarting,
   * more would only make the user wait.
   */
  static final int REFUSED_ATTEMPTS = 3;

  private final ClientSettings settings;
  private final Auth auth;
  private final Set<String> trustedOrigins;
  private final Consumer<String> notices;
  private final HttpClient client;
  private final HttpClient foreignClient;

  /**
   * @param trusted the servers (their origins) that get the credentials
   * @param notices receives one line per retry (the CLI prints it on stderr)
   */
  Http(ClientSettings settings, Auth auth, List<URI> trusted, Consumer<String> notices) {
    this.settings = settings;
    this.auth = auth;
    this.notices = notices;
    Set<String> o = new HashSet<>();
    trusted.forEach(u -> o.add(origin(u)));
    this.trustedOrigins = Set.copyOf(o);
    this.client = newClient(auth.sslContext());
    this.foreignClient = newClient(auth.foreignSslContext());
  }

  private HttpClient newClient(SSLContext ssl) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(
                settings.connectTimeout().isZero()
                    ? Duration.ofSeconds(30)
                    : settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER);
    if (ssl != null) {
      b.sslContext(ssl);
    }
    return b.build();
  }

  ClientSettings settings() {
    return settings;
  }

  /** {@code scheme://host:port}, lower case, with the default port filled in. */
  static String origin(URI u) {
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
    int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
    return scheme + "://" + host + ":" + port;
  }

  /** True when {@code uri} is on a server that gets the credentials. */
  boolean trusted(URI uri) {
    return trustedOrigins.contains(origin(uri));
  }

  /**
   * Sends a request (with retries, see {@link #exchange}) and returns the answer when its status is
   * one of the request's success codes; anything else throws.
   */
  Response send(Request req) {
    Response r = exchange(req);
    check(req, r);
    return r;
  }

  /** Throws unless {@code r} has one of {@code req}'s success codes. */
  static void check(Request req, Response r) {
    if (!req.success.contains(r.status())) {
      throw r.status() >= 400 ? error(req, r) : unexpected(req, r);
    }
  }

  /**
   * Sends a request, retrying idempotent ones on connection errors and transient answers, and
   * returns the last answer whatever its status. Each retry is announced on {@code notices}; the
   * waits double from {@link ClientSettings#firstRetryWait()} and no retry starts once {@link
   * ClientSettings#retryTime()} has passed since the first attempt.
   */
  Response exchange(Request req) {
    if (req.writer != null && req.prepared == null) {
      req.prepared = prepare(req);
      try {
        return exchange(req);
      } finally {
        req.prepared = null;
      }
    }
    long started = System.nanoTime();
    Duration wait = settings.firstRetryWait();
    for (int attempt = 1; ; attempt++) {
      String failure;
      Response r = null;
      IOException ioe = null;
      try {
        r = once(req);
        if (!TRANSIENT.contains(r.status())) {
          return r;
        }
        failure = "HTTP " + r.status();
      } catch (IOException e) {
        ioe = e;
        failure = why(req, e);
      }
      int limit = req.idempotent ? settings.retries() + 1 : 1;
      if (ioe instanceof ConnectException) {
        limit = Math.min(limit, REFUSED_ATTEMPTS);
      }
      int planned = plannedAttempts(limit);
      long elapsed = Duration.ofNanos(System.nanoTime() - started).toMillis();
      if (attempt >= planned || elapsed + wait.toMillis() > settings.retryTime().toMillis()) {
        if (r != null) {
          return r;
        }
        throw noAnswer(req, ioe, attempt);
      }
      notices.accept(
          req.what()
              + " failed ("
              + failure
              + ", "
              + hostPort(req.uri)
              + "); attempt "
              + (attempt + 1)
              + " of "
              + planned
              + " in "
              + human(wait));
      sleep(wait);
      wait = wait.multipliedBy(2);
    }
  }

  /** How many attempts of at most {@code limit} fit their waits into the retry time. */
  int plannedAttempts(int limit) {
    int n = 1;
    long sum = 0;
    long w = settings.firstRetryWait().toMillis();
    while (n < limit && sum + w <= settings.retryTime().toMillis()) {
      sum += w;
      w *= 2;
      n++;
    }
    return n;
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  /** The largest body taken: the setting, but never more than a third of the Java heap. */
  long bodyLimit() {
    long heap = Runtime.getRuntime().maxMemory() / 3;
    return Math.min(Math.min(settings.maxResponseBytes(), heap), Integer.MAX_VALUE - 16);
  }

  /** One attempt, bounded by the request's deadline from the first byte sent to the last read. */
  private Response once(Request req) throws IOException {
    HttpRequest hr = build(req);
    Duration timeout = req.timeout != null ? req.timeout : settings.requestTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    long limit = bodyLimit();
    AtomicReference<BoundedBody> body = new AtomicReference<>();
    CompletableFuture<HttpResponse<byte[]>> f =
        (trusted(req.uri) ? client : foreignClient)
            .sendAsync(
                hr,
                info -> {
                  BoundedBody b =
                      req.bodyFile != null && req.success.contains(info.statusCode())
                          ? new FileBody(limit, info.headers(), req.bodyFile)
                          : new BoundedBody(limit, info.headers());
                  body.set(b);
                  return b;
                });
    HttpResponse<byte[]> resp;
    try {
      resp = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      abort(f, body.get());
      throw new HttpTimeoutException("no complete answer within " + human(timeout));
    } catch (InterruptedException e) {
      abort(f, body.get());
      Thread.currentThread().interrupt();
      throw new ServerException(
          req.what() + " was interrupted", 0, null, List.of(), "run the command again", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof BodyTooLarge t) {
        throw tooLarge(req, limit, t);
      }
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(c.getMessage() != null ? c.getMessage() : c.toString(), c);
    } catch (CancellationException e) {
      throw new HttpTimeoutException("cancelled");
    }
    byte[] decoded;
    try {
      if (req.bodyFile != null && req.success.contains(resp.statusCode())) {
        decodeFile(resp, req.bodyFile, limit, deadline, timeout);
        decoded = new byte[0];
      } else {
        decoded = decode(resp, limit, deadline, timeout);
      }
    } catch (BodyTooLarge t) {
      throw tooLarge(req, limit, t);
    }
    return new Response(resp.statusCode(), resp.headers().map(), decoded, resp.uri());
  }

  private static void abort(CompletableFuture<?> f, BoundedBody body) {
    if (body != null) {
      body.cancel();
    }
    f.cancel(true);
  }

  private ServerException tooLarge(Request req, long limit, BodyTooLarge t) {
    boolean heap = limit < settings.maxResponseBytes();
    return new ServerException(
        req.what()
            + ": the answer from "
            + hostPort(req.uri)
            + (t.decoded ? " decodes to" : " is")
            + " more than "
            + mib(limit)
            + (heap ? " (a third of the Java heap)" : ""),
        0,
        null,
        List.of(),
        heap
            ? "give Java more memory (GARAGE_HSM_JAVA_OPTS=-Xmx…) if the repository really is that"
                + " large"
            : "raise "
                + ClientSettings.ENV_MAX_RESPONSE
                + " if the repository really is that large; otherwise the server is misbehaving",
        null);
  }

  private static String mib(long n) {
    return n >= (1 << 20) ? (n >> 20) + " MiB" : n + " bytes";
  }

  /** The answer body exceeded the limit (or the heap) on the wire or after decoding. */
  static final class BodyTooLarge extends IOException {
    private static final long serialVersionUID = 1L;
    final boolean decoded;

    BodyTooLarge(boolean decoded) {
      super("answer too large");
      this.decoded = decoded;
    }
  }

  /**
   * Collects an answer body up to a limit, in chunks (no doubling copies); past the limit, or when
   * the heap runs out, it cancels the exchange, which closes the connection.
   */
  static class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    final long limit;
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private List<byte[]> chunks = new ArrayList<>();
    long size;
    volatile Flow.Subscription subscription;

    BoundedBody(long limit, java.net.http.HttpHeaders headers) {
      this.limit = limit;
      long declared = headers.firstValueAsLong("Content-Length").orElse(-1);
      if (declared > limit) {
        result.completeExceptionally(new BodyTooLarge(false));
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (result.isDone()) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      try {
        for (ByteBuffer b : items) {
          size += b.remaining();
          if (size > limit) {
            fail(new BodyTooLarge(false));
            return;
          }
          byte[] c = new byte[b.remaining()];
          b.get(c);
          chunks.add(c);
        }
      } catch (OutOfMemoryError e) {
        fail(new BodyTooLarge(false));
        return;
      }
      subscription.request(1);
    }

    void fail(Throwable t) {
      chunks = null;
      result.completeExceptionally(t);
      subscription.cancel();
    }

    @Override
    public void onError(Throwable t) {
      chunks = null;
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (result.isDone()) {
        return;
      }
      try {
        result.complete(join(chunks, size));
      } catch (OutOfMemoryError e) {
        chunks = null;
        result.completeExceptionally(new BodyTooLarge(false));
      }
      chunks = null;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      result.completeExceptionally(new HttpTimeoutException("cancelled"));
    }
  }

  /**
   * Writes a success answer's body (as sent, still encoded) to a file instead of the heap, with
   * {@link BoundedBody}'s limit: large roles (a 100k-target targets.json is ~40 MB) are never held
   * whole in memory. The file is truncated first, so a retried request starts afresh.
   */
  static final class FileBody extends BoundedBody {
    private final Path file;
    private FileChannel channel;

    FileBody(long limit, java.net.http.HttpHeaders headers, Path file) {
      super(limit, headers);
      this.file = file;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      if (!result.isDone()) {
        try {
          channel =
              FileChannel.open(
                  file,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
          result.completeExceptionally(e);
        }
      }
      super.onSubscribe(s);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      try {
        for (ByteBuffer b : items) {
          size += b.remaining();
          if (size > limit) {
            fail(new BodyTooLarge(false));
            return;
          }
          while (b.hasRemaining()) {
            channel.write(b);
          }
        }
      } catch (IOException e) {
        fail(e);
        return;
      }
      subscription.request(1);
    }

    @Override
    void fail(Throwable t) {
      close();
      super.fail(t);
    }

    @Override
    public void onError(Throwable t) {
      close();
      super.onError(t);
    }

    @Override
    public void onComplete() {
      if (result.isDone()) {
        close();
        return;
      }
      try {
        channel.close();
        result.complete(new byte[0]);
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    }

    @Override
    void cancel() {
      super.cancel();
      close();
    }

    private void close() {
      FileChannel c = channel;
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // the exchange failed already; the caller deletes the file
        }
      }
    }
  }

  private static byte[] join(List<byte[]> chunks, long size) {
    if (chunks.size() == 1) {
      return chunks.get(0);
    }
    byte[] all = new byte[(int) size];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    return all;
  }

  private HttpRequest build(Request req) throws FileNotFoundException {
    HttpRequest.Builder b = HttpRequest.newBuilder(req.uri);
    // the deadline of once() bounds the whole exchange; this one only stops the client early
    b.timeout(req.timeout != null ? req.timeout : settings.requestTimeout());
    b.header("Accept-Encoding", "gzip, deflate");
    HttpRequest.BodyPublisher body;
    if (req.file != null) {
      body = HttpRequest.BodyPublishers.ofFile(req.file);
    } else if (req.prepared instanceof Path spilled) {
      body = HttpRequest.BodyPublishers.ofFile(spilled);
      b.header("Content-Encoding", "gzip");
    } else if (req.prepared instanceof byte[] bytes) {
      body = HttpRequest.BodyPublishers.ofByteArray(bytes);
    } else if (req.body != null) {
      byte[] bytes = req.body;
      if (req.gzippable && bytes.length >= settings.gzipMinBytes()) {
        bytes = gzip(bytes);
        b.header("Content-Encoding", "gzip");
      }
      body = HttpRequest.BodyPublishers.ofByteArray(bytes);
    } else {
      body = HttpRequest.BodyPublishers.noBody();
    }
    if (req.contentType != null) {
      b.header("Content-Type", req.contentType);
    }
    for (String[] h : req.headers) {
      b.header(h[0], h[1]);
    }
    // credentials only to the configured server: never to a redirect target or object store
    if (!req.noAuth && trusted(req.uri)) {
      String a = auth.authorization(req.uri, this);
      if (a != null) {
        b.header("Authorization", a);
      }
    }
    b.method(req.method, body);
    return b.build();
  }

  /** Decodes gzip/deflate answers, stopping at {@code limit} decoded bytes and at the deadline. */
  private static byte[] decode(
      HttpResponse<byte[]> resp, long limit, long deadline, Duration timeout) throws IOException {
    byte[] body = resp.body() == null ? new byte[0] : resp.body();
    String enc =
        resp.headers().firstValue("Content-Encoding").orElse("").trim().toLowerCase(Locale.ROOT);
    if (body.length == 0 || enc.isEmpty() || enc.equals("identity")) {
      return body;
    }
    try (InputStream in =
        enc.equals("gzip")
            ? new GZIPInputStream(new ByteArrayInputStream(body))
            : enc.equals("deflate")
                ? new InflaterInputStream(new ByteArrayInputStream(body))
                : null) {
      if (in == null) {
        throw new IOException("unsupported Content-Encoding " + ServerText.printable(enc));
      }
      List<byte[]> chunks = new ArrayList<>();
      long size = 0;
      try {
        byte[] buf = new byte[1 << 16];
        for (int n = in.readNBytes(buf, 0, buf.length);
            n > 0;
            n = in.readNBytes(buf, 0, buf.length)) {
          size += n;
          if (size > limit) {
            throw new BodyTooLarge(true);
          }
          if (System.nanoTime() > deadline) {
            throw new HttpTimeoutException("no complete answer within " + human(timeout));
          }
          chunks.add(Arrays.copyOf(buf, n));
        }
        return join(chunks, size);
      } catch (OutOfMemoryError e) {
        chunks = null;
        throw new BodyTooLarge(true);
      }
    }
  }

  /**
   * Decodes a gzip/deflate body saved by {@link FileBody} in place, with {@link #decode}'s limit
   * and deadline.
   */
  private static void decodeFile(
      HttpResponse<byte[]> resp, Path file, long limit, long deadline, Duration timeout)
      throws IOException {
    String enc =
        resp.headers().firstValue("Content-Encoding").orElse("").trim().toLowerCase(Locale.ROOT);
    if (enc.isEmpty() || enc.equals("identity") || Files.size(file) == 0) {
      return;
    }
    if (!enc.equals("gzip") && !enc.equals("deflate")) {
      throw new IOException("unsupported Content-Encoding " + ServerText.printable(enc));
    }
    Path decoded = file.resolveSibling(file.getFileName() + ".d.tmp");
    try {
      try (InputStream raw = Files.newInputStream(file);
          InputStream in =
              enc.equals("gzip")
                  ? new GZIPInputStream(raw, 1 << 16)
                  : new InflaterInputStream(raw);
          OutputStream out = Files.newOutputStream(decoded)) {
        byte[] buf = new byte[1 << 16];
        long size = 0;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          size += n;
          if (size > limit) {
            throw new BodyTooLarge(true);
          }
          if (System.nanoTime() > deadline) {
            throw new HttpTimeoutException("no complete answer within " + human(timeout));
          }
          out.write(buf, 0, n);
        }
      }
      Files.move(decoded, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(decoded);
    }
  }

  /**
   * Runs a streamed request body's writer once, before the first attempt: a body under {@link
   * ClientSettings#gzipMinBytes()} stays in memory as it is (a byte array, sent as {@link
   * Request#body} would be), a larger one is gzipped on the fly into the request's spill file, so
   * that what goes on the wire, Content-Length and Content-Encoding included, is what {@link #gzip}
   * of the whole body would give.
   */
  private Object prepare(Request req) {
    long min = req.gzippable ? settings.gzipMinBytes() : Long.MAX_VALUE;
    try (Spill out = new Spill(min, req.spillFile)) {
      req.writer.writeTo(out);
      return out.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** Memory up to the gzip threshold; from there on, gzip into a file. */
  private static final class Spill extends OutputStream {
    private final long min;
    private final Path file;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(1 << 12);
    private long count;
    private OutputStream gz;

    Spill(long min, Path file) {
      this.min = min;
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      count += len;
      if (gz == null && count >= min) {
        spill();
      }
      if (gz != null) {
        gz.write(b, off, len);
      } else {
        memory.write(b, off, len);
      }
    }

    private void spill() throws IOException {
      if (file == null) {
        throw new IOException("a request body of " + count + " bytes needs a spill file");
      }
      gz =
          new GZIPOutputStream(
              new java.io.BufferedOutputStream(
                  Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING), 1 << 16));
      memory.writeTo(gz);
      memory = null;
    }

    /** The body: a byte array, or the spill file holding it gzipped. */
    Object finish() throws IOException {
      if (gz == null && count >= min) {
        spill();
      }
      if (gz == null) {
        return memory.toByteArray();
      }
      gz.close();
      gz = null;
      return file;
    }

    @Override
    public void close() throws IOException {
      if (gz != null) {
        gz.close();
      }
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerException(
          "interrupted while waiting to retry", 0, null, List.of(), "run the command again", e);
    }
  }

  private static String why(Request req, IOException e) {
    if (e instanceof HttpTimeoutException) {
      return "timed out";
    } else if (e instanceof ConnectException) {
      return "connection refused or unreachable";
    } else if (e instanceof FileNotFoundException) {
      return "cannot read " + req.file;
    }
    return ServerText.printable(
        e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
  }

  private ServerException noAnswer(Request req, IOException e, int attempts) {
    String tries = attempts > 1 ? " after " + attempts + " attempts" : "";
    return new ServerException(
        req.what() + " got no answer from " + hostPort(req.uri) + tries + ": " + why(req, e),
        0,
        null,
        List.of(),
        "check the network and the server URL in config.json, then run the command again"
            + (e instanceof HttpTimeoutException
                ? " (timeouts: " + ClientSettings.ENV_REQUEST_TIMEOUT + ")"
                : ""),
        e);
  }

  static String hostPort(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
  }

  /** True for the URL schemes garage-hsm talks to; a redirect anywhere else is refused. */
  static boolean isHttp(URI u) {
    String s = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    return (s.equals("http") || s.equals("https")) && u.getHost() != null;
  }

  /** A 1xx, 2xx or 3xx answer that is not one of the call's success codes. */
  static ServerException unexpected(Request req, Response r) {
    StringBuilder m =
        new StringBuilder(req.what())
            .append(" got HTTP ")
            .append(r.status())
            .append(" from ")
            .append(hostPort(req.uri));
    Optional<String> loc = r.header("Location");
    if (r.status() >= 300 && r.status() < 400 && loc.isPresent()) {
      URI to = location(req, loc.get());
      m.append(" (a redirect to ")
          .append(ServerText.printable(loc.get()))
          .append(to == null || !isHttp(to) ? ", not an http(s) URL: refused)" : ")");
    }
    m.append(", which is not a success answer to it (success: ")
        .append(codes(req.success))
        .append(')');
    return new ServerException(
        m.toString(),
        r.status(),
        null,
        List.of(),
        "check that the reposerver URL in config.json points at the reposerver itself, not at a"
            + " proxy or login page",
        null);
  }

  /** The redirect target, resolved against the request, or null when it is not a URI. */
  static URI location(Request req, String loc) {
    try {
      return req.uri.resolve(loc.trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String codes(Set<Integer> s) {
    List<String> l = s.stream().sorted().map(String::valueOf).toList();
    return l.size() == 1
        ? l.get(0)
        : String.join(", ", l.subList(0, l.size() - 1)) + " or " + l.get(l.size() - 1);
  }

  /** A readable one-line error for an answer of 400 or more. */
  static ServerException error(Request req, Response r) {
    ErrorBody e = ErrorBody.parse(r.body());
    StringBuilder m = new StringBuilder(req.what()).append(" failed: HTTP ").append(r.status());
    if (e.code() != null) {
      m.append(' ').append(e.code());
    }
    if (e.description() != null) {
      m.append(": ").append(e.description());
    }
    if (!e.reasons().isEmpty()) {
      m.append(" (").append(String.join("; ", e.reasons())).append(')');
    }
    if (e.errorId() != null) {
      m.append(" [errorId ").append(e.errorId()).append(']');
    }
    String hint =
        switch (r.status()) {
          case 401, 403 ->
              "the server refused the credentials; check auth in config.json or re-run init with"
                  + " a current credentials.zip";
          case 404 -> null;
          case 429, 500, 502, 503, 504 -> "the server has trouble; run the command again later";
          default -> null;
        };
    return new ServerException(m.toString(), r.status(), e.code(), e.reasons(), hint, null);
  }

  /** An answer: status, headers (lower-case lookup), decoded body. */
  record Response(int status, java.util.Map<String, List<String>> headers, byte[] body, URI uri) {
    Optional<String> header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return Optional.of(e.getValue().get(0));
        }
      }
      return Optional.empty();
    }
  }

  /** Writes a streamed request body. */
  @FunctionalInterface
  interface BodyWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** A request under construction. */
  static final class Request {
    final String method;
    final URI uri;
    final List<String[]> headers = new ArrayList<>();
    byte[] body;
    Path file;
    BodyWriter writer;
    Path spillFile;
    Object prepared;
    Path bodyFile;
    String contentType;
    boolean idempotent;
    boolean noAuth;
    boolean gzippable;
    Duration timeout;
    Set<Integer> success;
    private String what;

    private Request(String method, URI uri) {
      this.method = method;
      this.uri = uri;
      this.success = method.equals("GET") ? Set.of(200) : DONE;
    }

    static Request get(URI uri) {
      return new Request("GET", uri).idempotent();
    }

    static Request delete(URI uri) {
      return new Request("DELETE", uri);
    }

    static Request post(URI uri, byte[] body) {
      Request r = new Request("POST", uri);
      r.body = body;
      return r;
    }

    static Request put(URI uri, byte[] body) {
      Request r = new Request("PUT", uri);
      r.body = body;
      return r;
    }

    /**
     * A PUT whose body {@code writer} streams (a large role); a gzipped body goes through {@code
     * spillFile} (an empty file the caller made and deletes), never the heap.
     */
    static Request putStreamed(URI uri, BodyWriter writer, Path spillFile) {
      Request r = new Request("PUT", uri);
      r.writer = writer;
      r.spillFile = spillFile;
      return r;
    }

    /**
     * Saves a success answer's body, decoded, in {@code file} (an empty file the caller made and
     * deletes) instead of {@link Response#body()}; error answers are read as usual.
     */
    Request toFile(Path file) {
      bodyFile = file;
      return this;
    }

    static Request putFile(URI uri, Path file) {
      Request r = new Request("PUT", uri);
      r.file = file;
      return r;
    }

    /** A JSON body, gzipped when large (compat spec §6.1). */
    Request json() {
      contentType = "application/json";
      gzippable = true;
      return this;
    }

    Request contentType(String ct) {
      contentType = ct;
      return this;
    }

    Request header(String name, String value) {
      headers.add(new String[] {name, value});
      return this;
    }

    /** The answers that mean the call did what was asked; any other answer is an error. */
    Request success(Set<Integer> codes) {
      success = Set.copyOf(codes);
      return this;
    }

    Request idempotent() {
      idempotent = true;
      return this;
    }

    Request noAuth() {
      noAuth = true;
      return this;
    }

    Request timeout(Duration t) {
      timeout = t;
      return this;
    }

    Request describe(String what) {
      this.what = what;
      return this;
    }

    String what() {
      return what != null ? what : method + " " + uri.getPath();
    }
  }
}
