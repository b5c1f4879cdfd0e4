package io.garagehsm.ops.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.Progress;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.CredentialsZip;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.RepoException;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.repo.TokenReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * {@code export-credentials}: a credentials zip for the repository with the chosen key as
 * targets.pub / targets.sec, or for a token key targets.pub and the reference targets.pkcs11 (no
 * private key), which {@code init} restores as a token key. Written with mode 0600, never inside
 * the repository.
 */
public final class CredentialsExport {

  /**
   * @param repo the repository
   * @param keyNames the key in keys/ exported as the targets key: the first of these (garage-sign
   *     takes the option more than once but uses only the first)
   * @param output the zip to write
   */
  public record Request(Repository repo, List<String> keyNames, Path output) {
    public Request {
      keyNames = List.copyOf(keyNames);
    }
  }

  /**
   * @param output the zip written
   * @param keyName the exported key
   * @param keyId its key ID
   * @param tokenKey whether it went as a token reference (no private key in the zip)
   * @param entries the zip's entry names
   */
  public record Result(
      Path output, String keyName, String keyId, boolean tokenKey, List<String> entries)
      implements OperationResult {
    public Result {
      entries = List.copyOf(entries);
    }

    @Override
    public String summary() {
      return "exported credentials to "
          + output
          + " with targets key "
          + keyName
          + " ("
          + SigningKey.shortId(keyId)
          + (tokenKey ? ", token reference, no private key" : ", private key included")
          + "); entries: "
          + String.join(", ", entries);
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "export-credentials");
      o.put("output", output.toString());
      ObjectNode k = o.putObject("targetsKey");
      k.put("name", keyName);
      k.put("keyid", keyId);
      k.put("tokenKey", tokenKey);
      ArrayNode e = o.putArray("entries");
      entries.forEach(e::add);
      return o;
    }
  }

  private final Progress progress;

  public CredentialsExport(Progress progress) {
    this.progress = progress;
  }

  public Result run(Request rq) {
    Repository r = rq.repo();
    Path output = rq.output();
    r.refuseOutputInside(output, "--output");
    String k = rq.keyNames().get(0);
    if (rq.keyNames().size() > 1) {
      progress.warn("only the first --key-name is exported: " + k);
    }
    byte[] zip;
    TufKey pub;
    boolean tokenKey;
    LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
    try (RepoLock lock = r.lock()) {
      RepoConfig c = r.config();
      KeyDirectory keys = r.keys();
      pub = keys.publicKey(k);
      ObjectNode treehub =
          c.treehub() instanceof ObjectNode t ? t.deepCopy() : MetadataJson.object();
      JsonNode auth = c.auth();
      boolean isOauth = auth != null && auth.isObject() && auth.has("client_id");
      treehub.set("oauth2", isOauth ? auth.deepCopy() : MetadataJson.nodes().nullNode());
      entries.put("treehub.json", MetadataJson.pretty(treehub));
      entries.put(
          "tufrepo.url",
          (c.reposerver() == null ? "" : c.reposerver()).getBytes(StandardCharsets.UTF_8));
      entries.put("targets.pub", MetadataJson.pretty(pub.toJson()));
      tokenKey = !keys.hasPrivateFile(k);
      if (!tokenKey) {
        entries.put("targets.sec", MetadataJson.pretty(keys.keyPair(k).privateJson()));
      } else {
        TokenReference ref =
            keys.tokenReference(k)
                .orElseThrow(
                    () ->
                        new RepoException(
                            "key '" + k + "' has only a public key; nothing to export",
                            "export a key with a .sec file or a token reference"));
        entries.put(ClientAuth.TARGETS_PKCS11, MetadataJson.pretty(ref.toJson()));
      }
      if (Files.isRegularFile(r.signedFile("root"))) {
        entries.put("root.json", MetadataJson.pretty(MetadataJson.read(r.signedFile("root"))));
      } else {
        progress.warn(r.signedFile("root") + " does not exist; the zip has no root.json");
      }
      if (Files.isRegularFile(r.credentialsZip())) {
        CredentialsZip old = CredentialsZip.read(r.credentialsZip());
        for (String name : old.names()) {
          if (name.equals("targets.pub")
              || name.equals("targets.sec")
              || name.equals(ClientAuth.TARGETS_PKCS11)
              || entries.containsKey(name)) {
            continue;
          }
          entries.put(name, old.entry(name).get());
        }
      }
      zip = CredentialsZip.build(entries);
    }
    AtomicFiles.write(output, zip, AtomicFiles.PRIVATE);
    progress.info("Exported credentials with key " + k + " to " + output);
    return new Result(output, k, pub.keyId(), tokenKey, List.copyOf(entries.keySet()));
  }
}
