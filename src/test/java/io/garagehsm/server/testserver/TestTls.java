package io.garagehsm.server.testserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Mutual-TLS material for tests, made by the JDK's keytool: a server certificate for 127.0.0.1 and
 * a client certificate (both self-signed EC P-256), the server's {@link SSLContext} (which trusts
 * the client certificate), and the two PKCS#12 files with an empty password that a credentials.zip
 * carries ({@code client_auth.p12}, {@code server.p12}).
 */
public final class TestTls {
  private static final char[] PW = "changeit".toCharArray();

  private final KeyStore server;
  private final KeyStore client;

  private TestTls(KeyStore server, KeyStore client) {
    this.server = server;
    this.client = client;
  }

  /** Generates both key pairs into {@code dir}. */
  public static TestTls create(Path dir) {
    try {
      Files.createDirectories(dir);
      keytool(dir, "server", "server-ks.p12");
      keytool(dir, "client", "client-ks.p12");
      return new TestTls(load(dir.resolve("server-ks.p12")), load(dir.resolve("client-ks.p12")));
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError("cannot make test TLS material in " + dir, e);
    }
  }

  /** The client certificate's subject as {@code TestReposerver.Recorded} reports it. */
  public static String clientSubject() {
    return "CN=client";
  }

  /** A server context with the server key, trusting (and so asking for) the client certificate. */
  public SSLContext serverContext() {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("client", client.getCertificate("client"));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(server, PW);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code client_auth.p12}: the client key and certificate, empty password. */
  public byte[] clientAuthP12() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "client",
          client.getKey("client", PW),
          new char[0],
          new Certificate[] {client.getCertificate("client")});
      return bytes(ks);
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code server.p12}: a trust store with the server certificate, empty password. */
  public byte[] serverP12() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("server", server.getCertificate("server"));
      return bytes(ks);
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] bytes(KeyStore ks) throws IOException, GeneralSecurityException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ks.store(out, new char[0]);
    return out.toByteArray();
  }

  private static KeyStore load(Path f) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(f)) {
      ks.load(in, PW);
    }
    return ks;
  }

  private static void keytool(Path dir, String alias, String file) throws IOException {
    Path kt = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                List.of(
                    kt.toString(),
                    "-genkeypair",
                    "-alias",
                    alias,
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + alias,
                    "-ext",
                    "SAN=ip:127.0.0.1",
                    "-validity",
                    "2",
                    "-keystore",
                    dir.resolve(file).toString(),
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    new String(PW),
                    "-keypass",
                    new String(PW)))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new AssertionError("keytool failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
