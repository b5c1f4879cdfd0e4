package io.garagehsm.cli;

import static io.garagehsm.cli.Cli.at;
import static io.garagehsm.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.Vectors;
import io.garagehsm.pkcs11.TestTokens;
import io.garagehsm.pkcs11.TestTokens.TestToken;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.testserver.TestRepos;
import io.garagehsm.server.testserver.TestReposerver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 4: the commands that write or talk to the server end with one stderr line saying
 * what happened and, with {@code --json}, print that result as one JSON object on stdout.
 */
class ResultJsonTest {
  static final Clock NOW = at("2026-11-26T07:00:00Z");
  @TempDir Path home;

  /** The last stderr line. */
  static String summary(Cli.Result r) {
    List<String> lines = r.err().lines().toList();
    return lines.get(lines.size() - 1);
  }

  static JsonNode json(Cli.Result r) throws Exception {
    assertTrue(r.out().endsWith("}\n"), r.out());
    return Cli.JSON.readTree(r.out());
  }

  @Test
  void initSaysWhatItCreated() throws Exception {
    Path zip = Vectors.path("repo-flow/credentials.zip");
    Cli.Result plain = run(NOW, home, "init", "-r", "plain", "-c", zip.toString()).ok();
    assertEquals("", plain.out());
    Cli.Result r = run(NOW, home, "init", "-r", "myrepo", "-c", zip.toString(), "--json").ok();
    Path dir = home.resolve("myrepo");
    String keyId = new KeyDirectory(dir.resolve("keys")).publicKey("targets").keyId();
    JsonNode j = json(r);
    assertEquals("init", j.get("command").asText());
    assertEquals("myrepo", j.get("repository").asText());
    assertEquals(dir.toString(), j.get("dir").asText());
    assertEquals("http://127.0.0.1:18191/", j.get("server").asText());
    assertEquals("reposerver", j.get("serverType").asText());
    assertEquals(1, j.get("rootVersion").asInt());
    assertEquals(keyId, j.at("/targetsKey/keyid").asText());
    assertTrue(j.at("/targetsKey/tokenUri").isNull());
    assertEquals(
        dir.resolve("config.json").toString(),
        j.get("filesWritten").get(j.get("filesWritten").size() - 1).asText());
    assertEquals("Finished init for myrepo using " + zip, summary(r));
    assertEquals(zip.toString(), j.get("credentials").asText());
  }

  @Test
  void exportCredentialsSaysWhatTheZipHolds() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Path out = home.resolve("exported.zip");
    Cli.Result r =
        run(
                NOW,
                home,
                "export-credentials",
                "-r",
                "myrepo",
                "-k",
                "targets",
                "-o",
                out.toString(),
                "--json")
            .ok();
    String keyId = new KeyDirectory(home.resolve("myrepo/keys")).publicKey("targets").keyId();
    JsonNode j = json(r);
    assertEquals("export-credentials", j.get("command").asText());
    assertEquals(out.toString(), j.get("output").asText());
    assertEquals("targets", j.at("/targetsKey/name").asText());
    assertEquals(keyId, j.at("/targetsKey/keyid").asText());
    assertEquals(false, j.at("/targetsKey/tokenKey").asBoolean());
    assertEquals("targets.sec", j.get("entries").get(3).asText());
    assertTrue(
        summary(r)
            .startsWith(
                "exported credentials to "
                    + out
                    + " with targets key targets ("
                    + keyId.substring(0, 8)
                    + "…, private key included); entries: treehub.json, "),
        summary(r));
  }

  static JsonNode json(CliRun.Result r) throws Exception {
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().endsWith("}\n"), r.out());
    return Cli.JSON.readTree(r.out());
  }

  static String summary(CliRun.Result r) {
    List<String> lines = r.err().lines().toList();
    return lines.get(lines.size() - 1);
  }

  @Test
  void fileKeyGenerateSaysWhereAndWhichKey() throws Exception {
    Cli.copyVector("repo-flow/tuf/myrepo", home.resolve("myrepo"));
    Cli.Result r = run(NOW, home, "key", "generate", "-r", "myrepo", "-n", "fk", "--json").ok();
    KeyDirectory keys = new KeyDirectory(home.resolve("myrepo/keys"));
    JsonNode j = json(r);
    assertEquals("fk", j.get("name").asText());
    assertEquals(keys.publicKey("fk").keyId(), j.get("keyid").asText());
    assertEquals("Ed25519", j.get("keyType").asText());
    assertTrue(j.get("tokenUri").isNull());
    assertEquals(keys.publicFile("fk").toString(), j.at("/filesWritten/0").asText());
    assertEquals(keys.privateFile("fk").toString(), j.at("/filesWritten/1").asText());
    assertEquals(KeySpecOptions.savedKeys(keys.dir(), "fk") + "\n", r.err());
  }

  /** root pull, root key add, root sign and root push against the test reposerver. */
  @Test
  void rootPullSignPushSayVersionsExpiryKeysAndThresholds() throws Exception {
    try (TestReposerver server = TestReposerver.start()) {
      Repository repo = TestRepos.create(home, "r", server);
      repo.keys().writeKeyPair("oldroot", server.rootKey);
      CliRun cli = new CliRun(home).clock(NOW);
      String oldId = server.rootKey.publicKey().keyId();

      JsonNode pull = json(cli.run("root", "pull", "-r", "r", "--json"));
      assertEquals("root pull", pull.get("command").asText());
      assertEquals(server.url(), pull.get("server").asText());
      assertEquals(1, pull.get("version").asInt());
      assertEquals(oldId, pull.at("/threshold/keyIds/0").asText());
      assertEquals(oldId, pull.at("/threshold/signedBy/0").asText());
      assertTrue(pull.at("/threshold/met").asBoolean());
      assertTrue(pull.at("/chain/checked").asBoolean());
      assertEquals(1, pull.at("/chain/fromVersion").asInt());
      assertEquals(0, pull.at("/chain/versions").size());
      assertEquals(repo.signedFile("root").toString(), pull.at("/filesWritten/0").asText());

      assertEquals(0, cli.run("key", "generate", "-r", "r", "-n", "newroot").exit());
      String newId = repo.keys().publicKey("newroot").keyId();
      CliRun.Result add = cli.run("root", "key", "add", "-r", "r", "-k", "newroot", "--json");
      JsonNode a = json(add);
      assertEquals("root key add", a.get("command").asText());
      assertEquals(newId, a.at("/added/0").asText());
      assertEquals(List.of(oldId, newId), strings(a.get("keyIds")));
      assertEquals(1, a.get("threshold").asInt());
      assertEquals(1, a.get("unsignedVersion").asInt());
      assertEquals(
          "keys added to unsigned root.json saved to " + repo.unsignedFile("root"), summary(add));
      JsonNode rm = json(cli.run("root", "key", "remove", "-r", "r", "--key-id", oldId, "--json"));
      assertEquals(oldId, rm.at("/removed/0").asText());
      assertEquals(List.of(newId), strings(rm.get("keyIds")));

      CliRun.Result signed =
          cli.run(
              "root",
              "sign",
              "-r",
              "r",
              "-k",
              "newroot",
              "--old-root-alias",
              "oldroot",
              "--expire-after",
              "1Y",
              "--json");
      JsonNode sg = json(signed);
      assertEquals("root sign", sg.get("command").asText());
      assertEquals(2, sg.get("version").asInt());
      assertEquals("2027-11-26T07:00:00Z", sg.get("expires").asText());
      assertEquals("newroot", sg.at("/signedBy/0/name").asText());
      assertEquals(newId, sg.at("/signedBy/0/keyid").asText());
      assertTrue(sg.at("/signedBy/0/token").isNull());
      assertEquals("oldroot", sg.at("/signedBy/1/name").asText());
      assertEquals("new root", sg.at("/thresholds/0/name").asText());
      assertTrue(sg.at("/thresholds/0/met").asBoolean());
      assertEquals("previous root", sg.at("/thresholds/1/name").asText());
      assertEquals(oldId, sg.at("/thresholds/1/signedBy/0").asText());
      assertEquals(
          "signed root.json v2, expires 2027-11-26T07:00:00Z, keys newroot ("
              + newId.substring(0, 8)
              + "…), oldroot ("
              + oldId.substring(0, 8)
              + "…); new root 1 of 1, previous root 1 of 1; saved to "
              + repo.signedFile("root"),
          summary(signed));

      CliRun.Result pushed = cli.run("root", "push", "-r", "r", "--json");
      JsonNode push = json(pushed);
      assertEquals("root push", push.get("command").asText());
      assertEquals(2, push.get("version").asInt());
      assertEquals(List.of(newId), strings(push.at("/threshold/signedBy")));
      assertEquals(
          "pushed root.json v2 to "
              + server.url()
              + ", expires 2027-11-26T07:00:00Z, root role 1 of 1 signatures (keys "
              + newId.substring(0, 8)
              + "…)",
          summary(pushed));
      assertEquals(2, RootRole.of(server.root(), "server").version());

      // a second pull: the same root as the local one; without --json stdout stays empty
      CliRun.Result again = cli.run("root", "pull", "-r", "r");
      assertEquals(0, again.exit(), again::toString);
      assertEquals("", again.out());
      assertTrue(summary(again).startsWith("pulled root.json v2 from "), again.err());
      assertTrue(summary(again).endsWith("; same as the local root v2"), again.err());
    }
  }

  /** A token key: key generate --json prints only the JSON; root sign names the token. */
  @Test
  void tokenKeyGenerateAndRootSignNameTheToken() throws Exception {
    TestToken t = TestTokens.create("json-root");
    Path repo = home.resolve("myrepo");
    Cli.copyVector("repo-flow/tuf/myrepo", repo);
    for (String k : new String[] {"root-old.pub", "root-old.sec"}) {
      Files.copy(Vectors.path("root-rotation/tuf/myrepo/keys/" + k), repo.resolve("keys/" + k));
    }
    String pin = t.pinFile().toString();
    Cli.Result gen =
        run(
                NOW,
                home,
                "key",
                "generate",
                "-r",
                "myrepo",
                "-n",
                "tk",
                "--token",
                t.uri().toString(),
                "--pin-file",
                pin,
                "--json")
            .ok();
    KeyDirectory keys = new KeyDirectory(repo.resolve("keys"));
    String tkId = keys.publicKey("tk").keyId();
    JsonNode g = json(gen); // stdout is the JSON alone, no key ID line before it
    assertEquals(tkId, g.get("keyid").asText());
    assertTrue(g.get("tokenUri").asText().startsWith("pkcs11:"), g.toString());
    assertEquals(keys.referenceFile("tk").toString(), g.at("/filesWritten/1").asText());
    assertEquals(
        "key id " + tkId + "; saved " + keys.publicFile("tk") + " and " + keys.referenceFile("tk"),
        summary(gen));

    JsonNode unsigned = Cli.readJson(repo.resolve("roles/root.json")).get("signed");
    Cli.write(repo.resolve("roles/unsigned/root.json"), unsigned.toString());
    run(NOW, home, "root", "key", "add", "-r", "myrepo", "-k", "tk").ok();
    Cli.Result signed =
        run(
                NOW,
                home,
                "root",
                "sign",
                "-r",
                "myrepo",
                "-k",
                "tk",
                "--old-root-alias",
                "root-old",
                "--pin-file",
                pin,
                "--json")
            .ok();
    JsonNode sg = json(signed);
    assertEquals("tk", sg.at("/signedBy/0/name").asText());
    assertEquals("json-root", sg.at("/signedBy/0/token").asText());
    assertTrue(sg.at("/signedBy/0/location").asText().startsWith("pkcs11:"), sg.toString());
    assertTrue(
        summary(signed)
            .contains(", keys tk (" + tkId.substring(0, 8) + "…) on token json-root, root-old ("),
        summary(signed));
    // root-old and tk are both keys of the new root role (threshold 1, never counted beyond it)
    assertTrue(
        summary(signed)
            .endsWith(
                "; new root 1 of 1, previous root 1 of 1; saved to "
                    + repo.resolve("roles/root.json")),
        summary(signed));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
