package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.Vectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init's permission warning, --verbose, a missing home folder, importpub of openssl keys. */
class HomeVerboseImportTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  @Test
  void initWarnsAboutAnExistingRepositoryFolderWiderThan0700() throws Exception {
    Path zip = Vectors.path("repo-flow/credentials.zip");
    Path wide = home.resolve("wide");
    Files.createDirectories(wide.resolve("roles"));
    Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        wide.resolve("roles"), PosixFilePermissions.fromString("rwx---rwx"));
    Cli.Result r = run(NOW, home, "init", "-r", "wide", "-c", zip.toString()).ok();
    assertTrue(
        r.err().contains("warning: " + wide + " has permissions rwxr-xr-x, wider than rwx------"),
        r.err());
    assertTrue(
        r.err().contains("warning: " + wide.resolve("roles") + " has permissions rwx---rwx"),
        r.err());
    assertTrue(Files.isRegularFile(wide.resolve("config.json")));
    // a fresh folder is created 0700 and gets no warning
    Cli.Result fresh = run(NOW, home, "init", "-r", "fresh", "-c", zip.toString()).ok();
    assertFalse(fresh.err().contains("warning"), fresh.err());
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("fresh"))));
  }

  @Test
  void verboseNamesTheRepositoryAndTheSigningKey() {
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    String[] sign = {"targets", "sign", "-r", "myrepo", "--key-name", "targets"};
    Cli.Result quiet = run(NOW, home, sign).ok();
    assertFalse(quiet.err().contains("verbose:"), quiet.err());
    String[] verbose = {"targets", "sign", "-r", "myrepo", "--key-name", "targets", "--verbose"};
    Cli.Result r = run(NOW, home, verbose).ok();
    String keyId =
        Cli.readJson(repo.resolve("roles/targets.json"))
            .get("signatures")
            .get(0)
            .get("keyid")
            .asText();
    assertTrue(r.err().contains("verbose: repository " + repo + "\n"), r.err());
    assertTrue(
        r.err()
            .contains(
                "verbose: key 'targets' (Ed25519, key ID "
                    + keyId
                    + ") signs with "
                    + repo.resolve("keys/targets.sec")),
        r.err());
    // the option also works before the command words; results stay off stdout
    List<String> a =
        new ArrayList<>(List.of("--verbose", "targets", "get-unsigned", "-r", "myrepo"));
    Cli.Result g = run(NOW, home, a.toArray(String[]::new)).ok();
    assertTrue(g.err().contains("verbose: repository"), g.err());
    assertFalse(g.out().contains("verbose"), g.out());
  }

  @Test
  void readingFromAMissingHomeNamesItAndDoesNotCreateIt() {
    Path missing = home.resolve("no-such-home");
    for (String[] cmd :
        new String[][] {
          {"targets", "get-unsigned", "-r", "myrepo"},
          {"root", "get-unsigned", "-r", "myrepo"},
          {"targets", "sign", "-r", "myrepo", "--key-name", "targets"},
        }) {
      Cli.Result r = run(NOW, missing, cmd).fails(3);
      assertTrue(
          r.err()
              .startsWith(
                  "error: repository 'myrepo' is not initialised: the home folder "
                      + missing
                      + " does not exist\nhint: pass --home-dir"),
          r.err());
      assertFalse(r.err().contains("Exception"), r.err());
      assertFalse(Files.exists(missing), String.join(" ", cmd));
    }
  }

  static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl hung");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
  }

  /** {@code openssl pkey -pubin -outform DER | sha256sum}, computed by openssl. */
  static String opensslKeyId(Path dir, String pem) throws Exception {
    openssl(dir, "pkey", "-pubin", "-in", pem, "-outform", "DER", "-out", pem + ".der");
    openssl(dir, "dgst", "-sha256", "-r", "-out", pem + ".sha", pem + ".der");
    return Files.readString(dir.resolve(pem + ".sha")).substring(0, 64);
  }

  @Test
  void importpubTakesOpensslKeysWithOpensslKeyIds() throws Exception {
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    Path d = Files.createDirectories(home.resolve("pem"));
    openssl(
        d, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", "rsa.key");
    openssl(d, "pkey", "-in", "rsa.key", "-pubout", "-out", "rsa3072.pem");
    openssl(d, "rsa", "-in", "rsa.key", "-RSAPublicKey_out", "-out", "rsa-pkcs1.pem");
    openssl(d, "genpkey", "-algorithm", "ED25519", "-out", "ed.key");
    openssl(d, "pkey", "-in", "ed.key", "-pubout", "-out", "ed25519.pem");
    openssl(
        d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
    openssl(d, "pkey", "-in", "ec.key", "-pubout", "-out", "p256.pem");
    assertTrue(
        Files.readString(d.resolve("rsa-pkcs1.pem")).startsWith("-----BEGIN RSA PUBLIC KEY-----"));

    String rsaId = opensslKeyId(d, "rsa3072.pem");
    String[][] cases = {
      {"rsa3072.pem", "RSA", rsaId},
      {"rsa-pkcs1.pem", "RSA", rsaId},
      {"ed25519.pem", "ED25519", opensslKeyId(d, "ed25519.pem")},
      {"p256.pem", "ECPRIME256V1", opensslKeyId(d, "p256.pem")},
    };
    for (String[] c : cases) {
      String name = c[0].replace(".pem", "");
      Cli.Result r =
          run(
                  NOW,
                  home,
                  "user-keys",
                  "importpub",
                  "-r",
                  "myrepo",
                  "-k",
                  name,
                  "-i",
                  d.resolve(c[0]).toString())
              .ok();
      assertTrue(r.err().contains(" key " + c[2] + " to "), r.err());
      Path pub = repo.resolve("keys/" + name + ".pub");
      JsonNode k = Cli.readJson(pub);
      assertEquals(c[1], k.get("keytype").asText(), c[0]);
      Cli.Result id = run(NOW, home, "user-keys", "id", "-i", pub.toString()).ok();
      assertEquals(c[2], id.out(), c[0]);
    }
    // PKCS#1 input is stored as SPKI PEM, as garage-sign does
    assertEquals(
        Cli.readJson(repo.resolve("keys/rsa3072.pub")),
        Cli.readJson(repo.resolve("keys/rsa-pkcs1.pub")));
    assertTrue(
        Cli.readJson(repo.resolve("keys/rsa-pkcs1.pub"))
            .get("keyval")
            .get("public")
            .asText()
            .startsWith("-----BEGIN PUBLIC KEY-----\n"));
  }
}
