package io.garagehsm.server.testserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * A malicious HTTP/1.1 server on 127.0.0.1 written on a raw socket, so it can say anything: wrong
 * status codes, redirects anywhere, bodies that trickle byte by byte, gzip bombs, endless bodies.
 * Requests it is not told to attack are forwarded to an optional upstream (usually a {@link
 * TestReposerver}), so a whole CLI run can go through it with one request turned hostile. Every
 * request is recorded with its headers.
 */
public final class HostileServer implements AutoCloseable {

  /** A request as received (header names lower-case). */
  public record Req(String method, String target, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The path without the query, e.g. {@code /api/v1/user_repo/root.json}. */
    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    /** True for this method and a path ending in {@code suffix}. */
    public boolean is(String m, String suffix) {
      return method.equals(m) && path().endsWith(suffix);
    }
  }

  /** Writes a whole raw answer (status line, headers, body) to the connection. */
  @FunctionalInterface
  public interface Answer {
    void write(Req req, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket socket;
  private final URI upstream;
  private final HttpClient forwarder =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final List<Req> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<Rule> rules = Collections.synchronizedList(new ArrayList<>());
  private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
  private final Thread acceptor;
  private volatile boolean closed;

  private record Rule(Predicate<Req> match, Answer answer, AtomicInteger remaining) {}

  private HostileServer(URI upstream) throws IOException {
    this.upstream = upstream;
    this.socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::accept, "hostile-server-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A server answering 404 to anything it is not told to attack. */
  public static HostileServer start() throws IOException {
    return new HostileServer(null);
  }

  /** A server forwarding what it is not told to attack to {@code upstream} (scheme://host:port). */
  public static HostileServer inFrontOf(String upstream) throws IOException {
    return new HostileServer(URI.create(upstream));
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Answers the next {@code times} requests matching {@code match} with {@code answer}. */
  public HostileServer on(Predicate<Req> match, int times, Answer answer) {
    rules.add(new Rule(match, answer, new AtomicInteger(times)));
    return this;
  }

  /** Answers every request matching {@code match} with {@code answer}. */
  public HostileServer always(Predicate<Req> match, Answer answer) {
    return on(match, Integer.MAX_VALUE, answer);
  }

  public List<Req> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** {@code METHOD path} of every request so far. */
  public List<String> lines() {
    return requests().stream().map(r -> r.method() + " " + r.path()).toList();
  }

  // ---- answers ----

  /** A status with headers and a body, Content-Length set. */
  public static Answer status(int status, Map<String, String> headers, byte[] body) {
    return (req, out) -> {
      head(out, status, headers, body.length);
      out.write(body);
    };
  }

  public static Answer status(int status) {
    return status(status, Map.of(), new byte[0]);
  }

  /** A redirect to {@code location}. */
  public static Answer redirect(int status, String location) {
    return status(status, Map.of("Location", location), new byte[0]);
  }

  /** 200 with a declared length and the body trickling out one byte every {@code every}. */
  public static Answer trickle(byte[] body, Duration every) {
    return (req, out) -> {
      head(out, 200, Map.of("Content-Type", "application/json"), body.length);
      for (byte b : body) {
        out.write(b);
        out.flush();
        Thread.sleep(every.toMillis());
      }
    };
  }

  /** 200 with a gzip body that expands to {@code decoded} zero bytes. */
  public static Answer gzipBomb(long decoded) {
    byte[] gz = gzipOfZeros(decoded);
    return status(200, Map.of("Content-Encoding", "gzip"), gz);
  }

  /** 200 declaring (and sending) {@code size} bytes of spaces, without buffering them. */
  public static Answer huge(long size) {
    return (req, out) -> {
      head(out, 200, Map.of("Content-Type", "application/json"), size);
      byte[] chunk = new byte[1 << 16];
      java.util.Arrays.fill(chunk, (byte) ' ');
      for (long sent = 0; sent < size; sent += chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
      }
    };
  }

  /** Gzip members of 64 MiB of zeros each, concatenated (GZIPInputStream reads them all). */
  public static byte[] gzipOfZeros(long decoded) {
    long member = 64L << 20;
    byte[] one = gzip(new byte[(int) Math.min(member, decoded)]);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    long left = decoded;
    while (left >= member) {
      all.writeBytes(one);
      left -= member;
    }
    if (left > 0) {
      all.writeBytes(gzip(new byte[(int) left]));
    }
    return all.toByteArray();
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(b, 1 << 16)) {
      g.write(data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return b.toByteArray();
  }

  private static void head(OutputStream out, int status, Map<String, String> headers, long length)
      throws IOException {
    StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(" Whatever\r\n");
    headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
    h.append("Content-Length: ").append(length).append("\r\n");
    h.append("Connection: close\r\n\r\n");
    out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  // ---- the server ----

  private void accept() {
    while (!closed) {
      try {
        Socket s = socket.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "hostile-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      Req req = read(in);
      if (req == null) {
        return;
      }
      requests.add(req);
      Answer a = null;
      synchronized (rules) {
        for (Rule r : rules) {
          if (r.remaining().get() > 0 && r.match().test(req)) {
            r.remaining().decrementAndGet();
            a = r.answer();
            break;
          }
        }
      }
      (a != null ? a : upstream != null ? (Answer) this::forward : status(404)).write(req, out);
      out.flush();
    } catch (IOException | InterruptedException e) {
      // the client went away or the test closed the server
    } finally {
      open.remove(s);
    }
  }

  private static final Set<String> HOP =
      Set.of("connection", "content-length", "host", "upgrade", "http2-settings", "expect");

  private void forward(Req req, OutputStream out) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(upstream.resolve(req.target()))
            .method(req.method(), HttpRequest.BodyPublishers.ofByteArray(req.body()));
    req.headers()
        .forEach(
            (k, v) -> {
              if (!HOP.contains(k)) {
                b.header(k, v);
              }
            });
    HttpResponse<byte[]> r = forwarder.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    Map<String, String> h = new LinkedHashMap<>();
    r.headers()
        .map()
        .forEach(
            (k, v) -> {
              if (!HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                h.put(k, v.get(0));
              }
            });
    status(r.statusCode(), h, r.body()).write(req, out);
  }

  private static Req read(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null || line.isEmpty()) {
      return null;
    }
    String[] parts = line.split(" ");
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
      int c = h.indexOf(':');
      if (c > 0) {
        headers.put(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim());
      }
    }
    byte[] body = new byte[0];
    String len = headers.get("content-length");
    if (len != null) {
      body = in.readNBytes(Integer.parseInt(len));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int n = Integer.parseInt(readLine(in).trim(), 16);
          n > 0;
          n = Integer.parseInt(readLine(in).trim(), 16)) {
        b.writeBytes(in.readNBytes(n));
        readLine(in);
      }
      readLine(in);
      body = b.toByteArray();
    }
    return new Req(parts[0], parts.length > 1 ? parts[1] : "/", headers, body);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Forwards nothing; a {@link Function} form for tests that build answers from the request. */
  public static Answer dynamic(Function<Req, Answer> f) {
    return (req, out) -> f.apply(req).write(req, out);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    socket.close();
    synchronized (open) {
      for (Socket s : List.copyOf(open)) {
        s.close();
      }
    }
  }
}
