package io.garagehsm.ops.setup;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationResult;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code init} created.
 *
 * @param repository the repository's name
 * @param credentials the credentials.zip it was made from
 * @param dir its folder
 * @param server the reposerver (or Director) URL in config.json
 * @param director whether it is a Director repository
 * @param auth {@code oauth2}, {@code mutual TLS} or {@code none}
 * @param rootVersion version of the roles/root.json written from the zip, or null when none
 * @param targetsKeyId key ID of the restored keys/targets.*, or null when none
 * @param targetsKeyUri the token URI when the targets key is a token key, else null
 * @param filesWritten what was written, config.json last
 */
public record RepoInitResult(
    String repository,
    Path credentials,
    Path dir,
    String server,
    boolean director,
    String auth,
    Integer rootVersion,
    String targetsKeyId,
    String targetsKeyUri,
    List<Path> filesWritten)
    implements OperationResult {

  public RepoInitResult {
    filesWritten = List.copyOf(filesWritten);
  }

  /** garage-sign's line "Finished init for R using ZIP"; the JSON has the details. */
  @Override
  public String summary() {
    return "Finished init for " + repository + " using " + credentials;
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("command", "init");
    o.put("repository", repository);
    o.put("credentials", credentials.toString());
    o.put("dir", dir.toString());
    o.put("server", server);
    o.put("serverType", director ? "director" : "reposerver");
    o.put("auth", auth);
    if (rootVersion == null) {
      o.putNull("rootVersion");
    } else {
      o.put("rootVersion", rootVersion);
    }
    if (targetsKeyId == null) {
      o.putNull("targetsKey");
    } else {
      ObjectNode k = o.putObject("targetsKey");
      k.put("keyid", targetsKeyId);
      k.put("tokenUri", targetsKeyUri);
    }
    ArrayNode files = o.putArray("filesWritten");
    filesWritten.forEach(p -> files.add(p.toString()));
    return o;
  }
}
