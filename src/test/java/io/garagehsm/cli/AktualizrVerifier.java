package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A test-only verifier that behaves like aktualizr's (compat spec §7.3, §8, §12), written without
 * any garage-hsm production code: jsoncpp-style canonical JSON (keys sorted by UTF-8 bytes,
 * non-ASCII {@code \}u-escaped), rsa/ed25519 keys only, RSA 2048/3072/4096 only, duplicate key IDs
 * in signatures fatal, {@code expires} exactly 20 characters ending in Z, and signatures checked by
 * {@code openssl pkeyutl} (RSA-PSS with the salt length recovered, as aktualizr does).
 */
final class AktualizrVerifier {
  private AktualizrVerifier() {}

  /** The outcome: ok, or the reason aktualizr would refuse. */
  record Result(boolean ok, String reason) {
    static Result fail(String why) {
      return new Result(false, why);
    }
  }

  /** Verifies a signed targets envelope against the targets role of a root {@code signed}. */
  static Result verifyTargets(JsonNode envelope, JsonNode rootSigned) {
    return verifyRole(envelope, rootSigned, "targets", "Targets");
  }

  /** Verifies root v(n+1) against root v(n) and itself, as aktualizr's root chain update. */
  static Result verifyRootUpdate(JsonNode newEnvelope, JsonNode oldRootSigned) {
    Result old = verifyRole(newEnvelope, oldRootSigned, "root", "Root");
    if (!old.ok()) {
      return Result.fail("old root: " + old.reason());
    }
    Result self = verifyRole(newEnvelope, newEnvelope.get("signed"), "root", "Root");
    if (!self.ok()) {
      return Result.fail("new root: " + self.reason());
    }
    if (newEnvelope.get("signed").get("version").asInt()
        != oldRootSigned.get("version").asInt() + 1) {
      return Result.fail("version is not exactly +1");
    }
    return self;
  }

  static Result verifyRole(JsonNode envelope, JsonNode rootSigned, String role, String type) {
    JsonNode signed = envelope.get("signed");
    if (!type.equalsIgnoreCase(signed.path("_type").asText())) {
      return Result.fail("wrong _type");
    }
    JsonNode roleNode = rootSigned.get("roles").get(role);
    int threshold = roleNode.get("threshold").asInt();
    if (threshold < 1 || threshold > 1000) {
      return Result.fail("invalid threshold");
    }
    Set<String> roleIds = new HashSet<>();
    roleNode.get("keyids").forEach(k -> roleIds.add(k.asText()));
    JsonNode keys = rootSigned.get("keys");
    for (Iterator<String> it = keys.fieldNames(); it.hasNext(); ) {
      String kt = keys.get(it.next()).get("keytype").asText().toLowerCase(Locale.ROOT);
      if (!kt.equals("rsa") && !kt.equals("ed25519")) {
        return Result.fail("Unsupported key type: " + kt);
      }
    }
    byte[] canonical = canonical(signed);
    Set<String> seen = new HashSet<>();
    int valid = 0;
    for (JsonNode s : envelope.get("signatures")) {
      String id = s.get("keyid").asText();
      if (!seen.add(id)) {
        return Result.fail("A key ID appears twice in the signatures");
      }
      String method = s.get("method").asText().toLowerCase(Locale.ROOT);
      if (!List.of("rsassa-pss", "rsassa-pss-sha256", "ed25519").contains(method)) {
        return Result.fail("Unsupported signature method " + method);
      }
      JsonNode key = keys.get(id);
      if (key == null || !roleIds.contains(id)) {
        continue;
      }
      String kt = key.get("keytype").asText().toLowerCase(Locale.ROOT);
      String pub = key.get("keyval").get("public").asText();
      byte[] sig = Base64.getDecoder().decode(s.get("sig").asText());
      boolean good =
          kt.equals("rsa")
              ? method.startsWith("rsassa-pss") && rsaOk(pub) && opensslRsaPss(pub, canonical, sig)
              : method.equals("ed25519") && opensslEd25519(pub, canonical, sig);
      if (good) {
        valid++;
      }
    }
    if (valid < threshold) {
      return Result.fail(
          envelope.get("signatures").size() == 1
              ? "Signature was present but invalid / A key has an incorrect associated key ID"
              : "threshold not met");
    }
    String expires = signed.path("expires").asText();
    if (expires.length() != 20 || !expires.endsWith("Z")) {
      return Result.fail("invalid timestamp");
    }
    return new Result(true, null);
  }

  private static boolean rsaOk(String pem) {
    try {
      byte[] der =
          Base64.getMimeDecoder()
              .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
      RSAPublicKey k =
          (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      int bits = k.getModulus().bitLength();
      return bits == 2048 || bits == 3072 || bits == 4096;
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean opensslRsaPss(String pem, byte[] data, byte[] sig) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
      return openssl(
          pem,
          digest,
          sig,
          List.of(
              "-pkeyopt",
              "digest:sha256",
              "-pkeyopt",
              "rsa_padding_mode:pss",
              "-pkeyopt",
              "rsa_pss_saltlen:auto",
              "-pkeyopt",
              "rsa_mgf1_md:sha256"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean opensslEd25519(String hex, byte[] data, byte[] sig) {
    byte[] raw = HexFormat.of().parseHex(hex);
    byte[] der = Arrays.copyOf(HexFormat.of().parseHex("302a300506032b6570032100"), 44);
    System.arraycopy(raw, 0, der, 12, 32);
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getEncoder().encodeToString(der)
            + "\n-----END PUBLIC KEY-----\n";
    return openssl(pem, data, sig, List.of("-rawin"));
  }

  private static boolean openssl(String pem, byte[] data, byte[] sig, List<String> extra) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("akt");
      Path k = Files.writeString(dir.resolve("k.pem"), pem, StandardCharsets.US_ASCII);
      Path d = Files.write(dir.resolve("data"), data);
      Path s = Files.write(dir.resolve("sig"), sig);
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "openssl",
                  "pkeyutl",
                  "-verify",
                  "-pubin",
                  "-inkey",
                  k.toString(),
                  "-in",
                  d.toString(),
                  "-sigfile",
                  s.toString()));
      cmd.addAll(extra);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("openssl timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      return p.exitValue() == 0 && text.contains("Signature Verified Successfully");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      if (dir != null) {
        try (var files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.deleteIfExists(f);
          }
          Files.deleteIfExists(dir);
        } catch (IOException ignored) {
          // temp files
        }
      }
    }
  }

  /** jsoncpp's compact writer as aktualizr uses it. */
  static byte[] canonical(JsonNode n) {
    StringBuilder b = new StringBuilder();
    write(n, b);
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static void write(JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      names.sort(
          (x, y) ->
              Arrays.compareUnsigned(
                  x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
      b.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        quote(names.get(i), b);
        b.append(':');
        write(n.get(names.get(i)), b);
      }
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        write(n.get(i), b);
      }
      b.append(']');
    } else if (n.isTextual()) {
      quote(n.textValue(), b);
    } else if (n.isIntegralNumber()) {
      b.append(n.bigIntegerValue());
    } else if (n.isNumber()) {
      b.append(String.format(Locale.ROOT, "%.17g", n.doubleValue()));
    } else {
      b.append(n.toString()); // true, false, null
    }
  }

  private static void quote(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c >= 0x80) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
