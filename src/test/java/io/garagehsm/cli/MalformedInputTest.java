package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.garagehsm.metadata.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed or wrong-shaped content in every file an offline command reads: one {@code error:} line
 * naming the file, the documented exit code, and the repository left byte-identical.
 */
class MalformedInputTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  static final String ED_PUB = Vectors.path("keys/ed25519.pub").toString();
  static final String ED_SEC = Vectors.path("keys/ed25519.sec").toString();
  static final String TARGETS_KEY_ID =
      "4a0047d3"; // prefix of keys/targets.pub's key ID in repo-flow (see BadInputTest)

  @TempDir Path home;
  Path repo;

  @BeforeEach
  void copyRepo() {
    repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    // an unsigned root, as 'root pull' leaves it
    Cli.write(
        repo.resolve("roles/unsigned/root.json"),
        Cli.readJson(repo.resolve("roles/root.json")).get("signed").toString());
  }

  /** Writes {@code content} to {@code file}, runs, and checks code, message and no change. */
  Cli.Result refused(Path file, String content, int code, String expected, String... args) {
    if (file != null) {
      Cli.write(file, content);
    }
    Map<String, String> before = Cli.snapshot(home);
    Cli.Result r = run(NOW, home, args);
    String label = (file == null ? "" : file + " = " + content + "\n") + String.join(" ", args);
    assertEquals(code, r.code(), () -> label + "\nstderr:\n" + r.err());
    List<String> errors = new ArrayList<>();
    for (String line : r.err().split("\n")) {
      assertFalse(line.startsWith("\tat ") || line.contains("Exception"), label + "\n" + r.err());
      if (line.startsWith("error: ")) {
        errors.add(line);
      }
    }
    assertEquals(1, errors.size(), () -> label + "\n" + r.err());
    assertTrue(
        errors.get(0).contains(expected),
        () -> label + "\nexpected: " + expected + "\nstderr:\n" + r.err());
    assertEquals(before, Cli.snapshot(home), () -> "files changed: " + label);
    return r;
  }

  String[] sign() {
    return new String[] {"targets", "sign", "-r", "myrepo", "--key-name", "targets"};
  }

  @Test
  void configJson() {
    Path f = repo.resolve("config.json");
    String[] get = {"targets", "get-unsigned", "-r", "myrepo"};
    refused(f, "{", 3, f + " is not valid JSON", get);
    refused(f, "", 3, f + " is empty", get);
    refused(f, "[1]", 3, f + " must hold a JSON object", sign());
    refused(
        f,
        "{\"reposerver\":5,\"auth\":null,\"repoServerType\":\"RepoServer\"}",
        3,
        f + " reposerver",
        "targets",
        "push",
        "-r",
        "myrepo");
  }

  @Test
  void publicAndPrivateKeyFiles() {
    Path pub = repo.resolve("keys/targets.pub");
    String goodPub = Cli.read(pub);
    refused(pub, "not json", 3, pub + " is not valid JSON", sign());
    refused(pub, "[]", 3, pub + " is not a key object", sign());
    refused(pub, "{\"keytype\":\"ED25519\"}", 3, pub + " is not a public key", sign());
    refused(
        pub,
        "{\"keytype\":\"ED25519\",\"keyval\":{\"public\":\"zz\"}}",
        3,
        pub + " holds an unreadable ED25519 public key",
        sign());
    refused(
        pub,
        "{\"keytype\":\"RSA\",\"keyval\":{\"public\":\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n"
            + "-----END PUBLIC KEY-----\\n\"}}",
        3,
        pub.toString(),
        sign());
    refused(pub, "{\"keytype\":\"DSA\",\"keyval\":{\"public\":\"00\"}}", 3, pub.toString(), sign());
    refused(
        pub,
        "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"00\"}}",
        3,
        pub.toString(),
        "root",
        "key",
        "add",
        "-r",
        "myrepo",
        "-k",
        "targets");
    Cli.write(pub, goodPub);

    Path sec = repo.resolve("keys/targets.sec");
    refused(sec, "", 3, sec + " is empty", sign());
    refused(sec, "{\"keytype\":", 3, sec + " is not valid JSON", sign());
    refused(sec, "{\"keytype\":\"ED25519\",\"keyval\":{}}", 3, sec.toString(), sign());
    refused(
        sec,
        "{\"keytype\":\"ED25519\",\"keyval\":{\"private\":\"abc\"}}",
        3,
        sec.toString(),
        sign());
    refused(
        sec,
        "{\"keytype\":\"RSA\",\"keyval\":{\"private\":\"-----BEGIN RSA PRIVATE KEY-----\\nAA==\\n"
            + "-----END RSA PRIVATE KEY-----\\n\"}}",
        3,
        sec.toString(),
        sign());
    // a private key of another key pair
    refused(sec, Cli.read(Path.of(ED_SEC)), 3, sec.toString(), sign());
  }

  @Test
  void tokenReferenceFiles() {
    Cli.write(repo.resolve("keys/tok.pub"), Cli.read(repo.resolve("keys/targets.pub")));
    Path ref = repo.resolve("keys/tok.pkcs11");
    String[] sign = {"targets", "sign", "-r", "myrepo", "--key-name", "tok"};
    refused(ref, "{", 3, ref + " is not valid JSON", sign);
    refused(ref, "[]", 3, ref.toString(), sign);
    refused(ref, "{\"uri\":5}", 3, ref + " is not a token key reference", sign);
    refused(ref, "{\"uri\":\"pkcs11:object=x\",\"keyid\":\"00\"}", 3, ref.toString(), sign);
  }

  @Test
  void rootFiles() {
    Path signed = repo.resolve("roles/root.json");
    Path unsigned = repo.resolve("roles/unsigned/root.json");
    String[] rootSign = {"root", "sign", "-r", "myrepo", "-k", "targets"};
    refused(signed, "{", 3, signed + " is not valid JSON", rootSign);
    refused(signed, "[]", 3, signed.toString(), rootSign);
    refused(signed, "{\"signatures\":[],\"signed\":5}", 3, signed.toString(), rootSign);
    refused(signed, "{\"signatures\":5,\"signed\":{}}", 3, signed.toString(), rootSign);

    String[] keyAdd = {"root", "key", "add", "-r", "myrepo", "-k", "targets"};
    refused(unsigned, "{", 3, unsigned + " is not valid JSON", keyAdd);
    refused(unsigned, "[]", 3, unsigned + " must hold a JSON object", keyAdd);
    refused(unsigned, "{\"_type\":\"Root\",\"version\":1}", 3, unsigned.toString(), keyAdd);
    refused(
        unsigned,
        "{\"_type\":\"Targets\",\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\","
            + "\"targets\":{}}",
        3,
        unsigned.toString(),
        "root",
        "get-unsigned",
        "-r",
        "myrepo");
    refused(unsigned, "{}", 3, unsigned.toString(), rootSign);
  }

  @Test
  void unsignedTargetsAndChecksum() {
    Path f = repo.resolve("roles/unsigned/targets.json");
    String[] add = BadInputTest.add("x");
    String head = "{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\",";
    refused(f, "[]", 3, f + " must hold a JSON object", add);
    refused(f, head + "\"version\":1,\"targets\":[]}", 3, f + " has no \"targets\" object", add);
    refused(f, head + "\"version\":\"x\",\"targets\":{}}", 3, f + " has no valid \"version\"", add);
    refused(
        f,
        "{\"_type\":\"Targets\",\"expires\":\"soon\",\"version\":1,\"targets\":{}}",
        3,
        f.toString(),
        sign());
    refused(
        f,
        head + "\"version\":1,\"targets\":{\"a-1\":{\"length\":-1}}}",
        3,
        f.toString(),
        "targets",
        "get-unsigned",
        "-r",
        "myrepo");
    refused(
        f,
        "{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"version\":1}",
        3,
        f + " is not a targets role",
        "targets",
        "increment-version",
        "-r",
        "myrepo");

    Path sum = repo.resolve("roles/targets.json.checksum");
    String[] push = {"targets", "push", "-r", "myrepo"};
    refused(sum, "xyz", 3, sum + " does not hold a 64-hex checksum", push);
    refused(sum, "", 3, sum.toString(), push);
    Cli.write(sum, "0".repeat(64));
    Path signed = repo.resolve("roles/targets.json");
    refused(signed, "{", 3, signed + " is not valid JSON", push);
  }

  @Test
  void optionValues() {
    refused(
        null,
        null,
        255,
        "--customMeta is not valid JSON",
        BadInputTest.add("x", "--customMeta", "{bad"));
    refused(
        null,
        null,
        255,
        "--customMeta must be a JSON object",
        BadInputTest.add("x", "--customMeta", "[1]"));
    refused(null, null, 255, "--customMeta", BadInputTest.add("x", "--customMeta", ""));
    for (String bad : new String[] {"", "=AAAA", "targets=", "targets=AAAA,"}) {
      refused(
          null, null, 255, "--signatures", "targets", "sign", "-r", "myrepo", "--signatures", bad);
    }
    refused(
        null,
        null,
        255,
        "names key 'targets' twice",
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "targets=AAAA,targets=BBBB");
    refused(
        null,
        null,
        3,
        "Wrong signature: keyId: " + TARGETS_KEY_ID,
        "targets",
        "sign",
        "-r",
        "myrepo",
        "--signatures",
        "targets=AAAA");
  }

  @Test
  void jsonInputFiles() {
    Path in = home.resolve("in.json");
    String[] signJson = {"sign-json", "-k", ED_SEC, "-p", ED_PUB, "-i", in.toString()};
    refused(in, "{", 3, in + " is not valid JSON", signJson);
    refused(in, "", 3, in + " is empty", signJson);
    refused(in, "[1]", 3, in + " must hold a JSON object", signJson);
    refused(
        null,
        null,
        3,
        home.resolve("none.json") + " does not exist",
        "sign-json",
        "-k",
        ED_SEC,
        "-p",
        ED_PUB,
        "-i",
        home.resolve("none.json").toString());

    String[] verify = {"verify-json", "-p", ED_PUB, "-i", in.toString()};
    refused(in, "{", 3, in + " is not valid JSON", verify);
    refused(in, "\"x\"", 3, in.toString(), verify);
    refused(in, "{\"signatures\":5,\"signed\":{}}", 3, in.toString(), verify);
    refused(in, "{\"signatures\":[{\"keyid\":1}],\"signed\":{}}", 3, in.toString(), verify);
    refused(in, "{\"signed\":{}}", 3, in.toString(), verify);

    String[] addTarget = {
      "delegations",
      "add-target",
      "-i",
      in.toString(),
      "--name",
      "x",
      "--version",
      "1",
      "--length",
      "1",
      "--sha256",
      "00".repeat(32),
      "--hardwareids",
      "hw"
    };
    refused(in, "{", 3, in + " is not valid JSON", addTarget);
    refused(in, "[]", 3, in + " must hold a JSON object", addTarget);
    refused(
        in, "{\"_type\":\"Targets\",\"version\":1,\"targets\":[]}", 3, in.toString(), addTarget);
  }

  @Test
  void credentialsZips() throws Exception {
    Path zip = home.resolve("creds.zip");
    String[] init = {"init", "-r", "other", "-c", zip.toString()};
    refused(zip, "this is not a zip", 3, zip + " is not a", init);
    Files.write(zip, new byte[0]);
    refused(null, null, 3, zip.toString(), init);

    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("tufrepo.url", "http://x/".getBytes(StandardCharsets.UTF_8));
    BadInputTest.writeZip(zip, e);
    refused(null, null, 3, zip + " has no treehub.json entry", init);

    for (String[] c :
        new String[][] {
          {"{\"no_auth\":false,\"ostree\":{}}", "treehub.json: auth required with no_auth: false"},
          {"{\"ostree\":{}}", "treehub.json: auth required with no_auth: false"},
          {"{", "treehub.json is not valid JSON"},
          {"[]", "treehub.json must hold a JSON object"},
          {"{\"oauth2\":5,\"no_auth\":false}", "treehub.json"},
          {"{\"oauth2\":{\"server\":\"http://a\"},\"no_auth\":false}", "treehub.json"},
        }) {
      e.put("treehub.json", c[0].getBytes(StandardCharsets.UTF_8));
      BadInputTest.writeZip(zip, e);
      refused(null, null, 3, zip + "!" + c[1], init);
      assertFalse(Files.exists(home.resolve("other/config.json")));
    }
    e.put("treehub.json", "{\"no_auth\":true}".getBytes(StandardCharsets.UTF_8));
    e.remove("tufrepo.url");
    BadInputTest.writeZip(zip, e);
    refused(null, null, 3, zip + " has no tufrepo.url entry", init);
  }
}
