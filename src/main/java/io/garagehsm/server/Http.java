package io.garagehsm.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The JDK HTTP client with what every call needs: authentication, timeouts, gzip of large request
 * bodies and of answers, and bounded retries with exponential backoff for calls that are safe to
 * repeat (never for a root POST or a targets PUT). Errors become {@link ServerException}s naming
 * the call.
 */
final class Http {
  /** Answers worth retrying (LIBTUF CliHttpClient): transient server or gateway trouble. */
  static final Set<Integer> TRANSIENT = Set.of(429, 500, 502, 503, 504);

  private final ClientSettings settings;
  private final Auth auth;
  private final HttpClient client;

  Http(ClientSettings settings, Auth auth) {
    this.settings = settings;
    this.auth = auth;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(
                settings.connectTimeout().isZero()
                    ? Duration.ofSeconds(30)
                    : settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER);
    if (auth.sslContext() != null) {
      b.sslContext(auth.sslContext());
    }
    this.client = b.build();
  }

  ClientSettings settings() {
    return settings;
  }

  /**
   * Sends a request, retrying idempotent ones on connection errors and transient answers. Answers
   * of 400 and above throw; other answers (2xx, 3xx) are returned.
   */
  Response send(Request req) {
    Response r = exchange(req);
    if (r.status() >= 400) {
      throw error(req, r);
    }
    return r;
  }

  /** Like {@link #send} but returns every answer, errors included (after retries). */
  Response exchange(Request req) {
    int attempts = req.idempotent ? settings.retries() + 1 : 1;
    Duration wait = settings.firstRetryWait();
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<byte[]> resp =
            client.send(build(req), HttpResponse.BodyHandlers.ofByteArray());
        Response r =
            new Response(resp.statusCode(), resp.headers().map(), decode(resp), resp.uri());
        if (TRANSIENT.contains(r.status()) && attempt < attempts) {
          sleep(wait);
          wait = wait.multipliedBy(2);
          continue;
        }
        return r;
      } catch (IOException e) {
        if (attempt < attempts) {
          sleep(wait);
          wait = wait.multipliedBy(2);
          continue;
        }
        throw noAnswer(req, e, attempts);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ServerException(
            req.what() + " was interrupted", 0, null, List.of(), "run the command again", e);
      }
    }
  }

  private HttpRequest build(Request req) throws FileNotFoundException {
    HttpRequest.Builder b = HttpRequest.newBuilder(req.uri);
    b.timeout(req.timeout != null ? req.timeout : settings.requestTimeout());
    b.header("Accept-Encoding", "gzip, deflate");
    HttpRequest.BodyPublisher body;
    if (req.file != null) {
      body = HttpRequest.BodyPublishers.ofFile(req.file);
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
    if (!req.noAuth) {
      String a = auth.authorization(req.uri, this);
      if (a != null) {
        b.header("Authorization", a);
      }
    }
    b.method(req.method, body);
    return b.build();
  }

  private static byte[] decode(HttpResponse<byte[]> resp) throws IOException {
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
        throw new IOException("unsupported Content-Encoding " + enc);
      }
      return in.readAllBytes();
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

  private ServerException noAnswer(Request req, IOException e, int attempts) {
    String why;
    if (e instanceof HttpTimeoutException) {
      why = "timed out";
    } else if (e instanceof ConnectException) {
      why = "connection refused or unreachable";
    } else if (e instanceof FileNotFoundException) {
      why = "cannot read " + req.file;
    } else {
      why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    String tries = attempts > 1 ? " after " + attempts + " attempts" : "";
    return new ServerException(
        req.what() + " got no answer from " + hostPort(req.uri) + tries + ": " + why,
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

  /** A request under construction. */
  static final class Request {
    final String method;
    final URI uri;
    final List<String[]> headers = new ArrayList<>();
    byte[] body;
    Path file;
    String contentType;
    boolean idempotent;
    boolean noAuth;
    boolean gzippable;
    Duration timeout;
    private String what;

    private Request(String method, URI uri) {
      this.method = method;
      this.uri = uri;
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
