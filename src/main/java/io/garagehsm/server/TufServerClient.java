package io.garagehsm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.StreamedEnvelope;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The reposerver ({@code /api/v1/user_repo/}) and Director ({@code /api/v1/director/admin/repo/})
 * calls garage-sign makes (compat spec §9.2). One instance per command run: an OAuth2 token is
 * fetched once, on the first call.
 */
public final class TufServerClient {
  /** Header carrying the role checksum on targets GET and PUT (compat spec §9.3). */
  public static final String CHECKSUM_HEADER = "x-ats-role-checksum";

  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern DELEGATION = Pattern.compile("[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,49}");

  private final ServerConfig config;
  private final Http http;

  private TufServerClient(ServerConfig config, Http http) {
    this.config = config;
    this.http = http;
  }

  public static TufServerClient create(ServerConfig config, ClientSettings settings) {
    return create(config, settings, line -> {});
  }

  /**
   * A client whose retries are announced, one line each, on {@code notices}. Credentials go only to
   * {@code config.base()}'s origin.
   */
  public static TufServerClient create(
      ServerConfig config, ClientSettings settings, Consumer<String> notices) {
    return new TufServerClient(
        config,
        new Http(
            settings, Auth.from(config.auth(), config.repoDir()), List.of(config.base()), notices));
  }

  public ServerConfig config() {
    return config;
  }

  public boolean isDirector() {
    return config.director();
  }

  /** The server's base for messages, e.g. {@code http://127.0.0.1:8080}. */
  public String server() {
    return Http.hostPort(config.base());
  }

  // ---- root ----

  /** GET {@code root.json}: the server's current root. */
  public SignedMetadata root() {
    Http.Response r =
        http.send(Http.Request.get(config.resolve("root.json")).describe("GET root.json"));
    return envelope(r, "root.json from " + server());
  }

  /** GET {@code <version>.root.json}; empty on 404 {@code root_role_not_found}. */
  public Optional<SignedMetadata> root(int version) {
    String name = version + ".root.json";
    Http.Request req = Http.Request.get(config.resolve(name)).describe("GET " + name);
    Http.Response r = http.exchange(req);
    if (r.status() == 404) {
      return Optional.empty();
    }
    Http.check(req, r);
    return Optional.of(envelope(r, name + " from " + server()));
  }

  /**
   * POST {@code root}: never retried, since a repeated POST of an accepted root would be rejected
   * and hide the success. A rejection is a {@link ServerException} with code {@code
   * invalid_root_role} and the server's reasons.
   */
  public void pushRoot(SignedMetadata root) {
    http.send(
        Http.Request.post(config.resolve("root"), MetadataJson.compact(root.toJson()))
            .json()
            .describe("POST root"));
  }

  private String privateKeyPath(String keyId) {
    if (!HEX64.matcher(keyId).matches()) {
      throw new IllegalArgumentException("not a key ID: " + keyId);
    }
    return (config.director() ? "private_keys/" : "root/private_keys/") + keyId;
  }

  /** GET the server-held private key of a role key; empty on 404 (the key is offline). */
  public Optional<TufKeyPair> privateKey(String keyId) {
    String path = privateKeyPath(keyId);
    Http.Request req = Http.Request.get(config.resolve(path)).describe("GET " + path);
    Http.Response r = http.exchange(req);
    if (r.status() == 404) {
      return Optional.empty();
    }
    Http.check(req, r);
    String what = "private key " + keyId + " from " + server();
    JsonNode n = MetadataJson.parse(r.body(), what);
    TufKey pub = TufKey.fromJson(n, what);
    if (!pub.keyId().equals(keyId)) {
      throw new MetadataException(
          what + " is key " + pub.keyId() + ", not the key asked for",
          "pass the right key ID with --old-keyid");
    }
    return Optional.of(TufKeyPair.fromJson(n, pub, what));
  }

  /**
   * DELETE the server-held private key. Returns false when the server no longer had it (404), which
   * is the goal anyway. Not retried automatically.
   */
  public boolean deletePrivateKey(String keyId) {
    String path = privateKeyPath(keyId);
    Http.Request req = Http.Request.delete(config.resolve(path)).describe("DELETE " + path);
    Http.Response r = http.exchange(req);
    if (r.status() == 404) {
      return false;
    }
    Http.check(req, r);
    return true;
  }

  // ---- targets (reposerver only) ----

  /**
   * What GET {@code targets.json} returned.
   *
   * @param targets the envelope
   * @param checksum the {@code x-ats-role-checksum} header, or null when absent
   */
  public record FetchedTargets(SignedMetadata targets, String checksum) {}

  /** GET {@code targets.json} with its role checksum. */
  public FetchedTargets targets() {
    reposerverOnly("targets");
    Http.Response r =
        http.send(Http.Request.get(config.resolve("targets.json")).describe("GET targets.json"));
    String sum = r.header(CHECKSUM_HEADER).map(String::trim).orElse(null);
    if (sum != null && !HEX64.matcher(sum).matches()) {
      sum = null;
    }
    return new FetchedTargets(envelope(r, "targets.json from " + server()), sum);
  }

  /**
   * GET {@code targets.json} into {@code file} (an empty file the caller made and deletes): the
   * body, decoded and bounded as every answer, is never held in memory. Returns the role checksum
   * header, or null when absent or not 64 hex; {@link #targetsWhat()} names the body in errors.
   */
  public String targetsTo(Path file) {
    reposerverOnly("targets");
    Http.Response r =
        http.send(
            Http.Request.get(config.resolve("targets.json"))
                .toFile(file)
                .describe("GET targets.json"));
    String sum = r.header(CHECKSUM_HEADER).map(String::trim).orElse(null);
    return sum != null && HEX64.matcher(sum).matches() ? sum : null;
  }

  /** How errors name a fetched targets.json. */
  public String targetsWhat() {
    return "targets.json from " + server();
  }

  /**
   * {@link #pushTargets(SignedMetadata, String)} for a role read by streaming: the same body
   * (compact, gzipped from {@link ClientSettings#gzipMinBytes()} on) written from the file, through
   * {@code spillFile} (an empty file the caller made and deletes) when gzipped.
   */
  public String pushTargets(StreamedEnvelope targets, String checksum, Path spillFile) {
    reposerverOnly("targets");
    Http.Request req =
        Http.Request.putStreamed(config.resolve("targets"), targets::writeCompact, spillFile)
            .json()
            .describe("PUT targets");
    if (checksum != null) {
      req.header(CHECKSUM_HEADER, checksum);
    }
    Http.Response r = http.send(req);
    return r.header(CHECKSUM_HEADER)
        .map(String::trim)
        .filter(s -> HEX64.matcher(s).matches())
        .orElse(null);
  }

  /**
   * PUT {@code targets} with the checksum of the role it replaces. Returns the new checksum the
   * server sent back, or null. 412 {@code role_checksum_mismatch} and 428 arrive as {@link
   * ServerException}s. Never retried: a repeat after a lost answer would fail on the checksum.
   */
  public String pushTargets(SignedMetadata targets, String checksum) {
    reposerverOnly("targets");
    Http.Request req =
        Http.Request.put(config.resolve("targets"), MetadataJson.compact(targets.toJson()))
            .json()
            .describe("PUT targets");
    if (checksum != null) {
      req.header(CHECKSUM_HEADER, checksum);
    }
    Http.Response r = http.send(req);
    return r.header(CHECKSUM_HEADER)
        .map(String::trim)
        .filter(s -> HEX64.matcher(s).matches())
        .orElse(null);
  }

  // ---- delegations (reposerver only) ----

  /** PUT {@code delegations/<name>.json}. */
  public void pushDelegation(String name, JsonNode signedDelegation) {
    reposerverOnly("delegations");
    String path = "delegations/" + delegationName(name) + ".json";
    http.send(
        Http.Request.put(config.resolve(path), MetadataJson.compact(signedDelegation))
            .json()
            .describe("PUT " + path));
  }

  /** GET {@code delegations/<name>.json}. */
  public JsonNode delegation(String name) {
    reposerverOnly("delegations");
    String path = "delegations/" + delegationName(name) + ".json";
    Http.Response r = http.send(Http.Request.get(config.resolve(path)).describe("GET " + path));
    return MetadataJson.parse(r.body(), path + " from " + server());
  }

  /** Checks a delegated role name (compat spec §6.3). */
  public static String delegationName(String name) {
    if (!DELEGATION.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid delegated role name '"
              + name
              + "': 1 to 50 characters of letters, digits, '_', '-' and '.' (not first)");
    }
    return name;
  }

  // ---- uploads (reposerver only) ----

  /** How an upload went. */
  public enum UploadMethod {
    MULTIPART,
    SINGLE_PUT
  }

  /**
   * Uploads a binary under a target filename (compat spec §10.6): S3 multipart when the server
   * offers it, else PUT {@code uploads/<filename>}, follow the 302 and PUT the bytes there.
   */
  public UploadMethod upload(String filename, Path file, Duration timeout) {
    reposerverOnly("uploads");
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String enc = segment(filename);
    Http.Request init =
        Http.Request.post(config.resolve("multipart/initiate/" + enc + "?fileSize=" + size), null)
            .success(Set.of(200, 201))
            .describe("POST multipart/initiate/" + filename);
    Http.Response r = http.exchange(init);
    if (r.status() == 501 || "not_implemented".equals(ErrorBody.parse(r.body()).code())) {
      singlePut(filename, enc, file, timeout);
      return UploadMethod.SINGLE_PUT;
    }
    Http.check(init, r);
    JsonNode n = MetadataJson.parse(r.body(), "multipart initiate answer");
    String uploadId = n.path("uploadId").asText(null);
    long partSize = n.path("partSize").asLong(0);
    if (uploadId == null || partSize <= 0) {
      throw new ServerException(
          "multipart initiate answer has no uploadId/partSize",
          r.status(),
          null,
          List.of(),
          null,
          null);
    }
    ObjectNode complete = MetadataJson.object();
    complete.put("uploadId", uploadId);
    ArrayNode tags = complete.putArray("partETags");
    try (InputStream in = Files.newInputStream(file)) {
      int part = 1;
      long sent = 0;
      do {
        byte[] chunk = in.readNBytes((int) Math.min(partSize, Integer.MAX_VALUE - 8));
        if (chunk.length == 0 && sent > 0) {
          break;
        }
        String md5 = Base64.getEncoder().encodeToString(md5(chunk));
        String q =
            "multipart/url/"
                + enc
                + "?part="
                + part
                + "&uploadId="
                + URLEncoder.encode(uploadId, StandardCharsets.UTF_8)
                + "&md5="
                + URLEncoder.encode(md5, StandardCharsets.UTF_8)
                + "&contentLength="
                + chunk.length;
        Http.Response u =
            http.send(
                Http.Request.get(config.resolve(q)).describe("GET multipart/url part " + part));
        String uri = MetadataJson.parse(u.body(), "multipart url answer").path("uri").asText(null);
        URI partUri = uri == null ? null : Http.location(Http.Request.get(config.base()), uri);
        if (partUri == null || !Http.isHttp(partUri)) {
          throw new ServerException(
              "multipart url answer for part "
                  + part
                  + (uri == null
                      ? " has no uri"
                      : " names " + ServerText.printable(uri) + ", not an http(s) URL: refused"),
              u.status(),
              null,
              List.of(),
              null,
              null);
        }
        Http.Response p =
            http.send(
                Http.Request.put(partUri, chunk)
                    .header("Content-MD5", md5)
                    .idempotent()
                    .timeout(timeout)
                    .describe("PUT part " + part + " of " + filename));
        String etag = p.header("ETag").orElse("");
        ObjectNode t = tags.addObject();
        t.put("part", part);
        t.put("eTag", etag);
        sent += chunk.length;
        part++;
      } while (sent < size);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    http.send(
        Http.Request.put(
                config.resolve("multipart/complete/" + enc), MetadataJson.compact(complete))
            .json()
            .describe("PUT multipart/complete/" + filename));
    return UploadMethod.MULTIPART;
  }

  private void singlePut(String filename, String enc, Path file, Duration timeout) {
    Http.Request put =
        Http.Request.putFile(config.resolve("uploads/" + enc), file)
            .contentType("application/octet-stream")
            .timeout(timeout)
            .success(Http.REDIRECTS)
            .describe("PUT uploads/" + filename);
    Http.Response r = http.send(put);
    String loc =
        r.header("Location")
            .orElseThrow(
                () ->
                    new ServerException(
                        "PUT uploads/" + filename + " answered " + r.status() + " without Location",
                        r.status(),
                        null,
                        List.of(),
                        null,
                        null));
    URI target = Http.location(put, loc);
    if (target == null || !Http.isHttp(target)) {
      throw new ServerException(
          "PUT uploads/"
              + filename
              + " was redirected to "
              + ServerText.printable(loc)
              + ", not an http(s) URL: refused",
          r.status(),
          null,
          List.of(),
          "the reposerver's storage settings are wrong or it is not a reposerver",
          null);
    }
    // the bearer token and the TLS identity stay with the reposerver (Http: other origin)
    Http.Request to =
        Http.Request.putFile(target, file)
            .contentType("application/octet-stream")
            .timeout(timeout)
            .describe("PUT " + filename + " to " + Http.hostPort(target));
    ObjectStores.singlePutHeaders(target).forEach(to::header);
    http.send(to);
  }

  private static byte[] md5(byte[] data) {
    try {
      return MessageDigest.getInstance("MD5").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Percent-encodes a path segment (target filenames are mostly safe already). */
  static String segment(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  private void reposerverOnly(String what) {
    if (config.director()) {
      throw new IllegalStateException("a Director repository has no " + what + " API");
    }
  }

  private static SignedMetadata envelope(Http.Response r, String what) {
    return SignedMetadata.fromJson(MetadataJson.parse(r.body(), what), what);
  }
}
