package io.garagehsm.ops.root;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SigningKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code root pull} or {@code root push} did with a root.json.
 *
 * @param command {@code root pull} or {@code root push}
 * @param server the server URL
 * @param version the root's version
 * @param expires its expiry
 * @param rootKeyIds the key IDs of its root role
 * @param threshold the root role's threshold
 * @param validSignatures the root role keys whose signature verified
 * @param previousVersion pull: the local roles/root.json's version the chain started from, or null
 *     when the chain was not checked (--force, Director)
 * @param chainChecked pull: the versions fetched and checked after the local one
 * @param filesWritten the files written
 */
public record RootResult(
    String command,
    String server,
    int version,
    Instant expires,
    List<String> rootKeyIds,
    int threshold,
    List<String> validSignatures,
    Integer previousVersion,
    List<Integer> chainChecked,
    List<Path> filesWritten)
    implements OperationResult {

  public RootResult {
    rootKeyIds = List.copyOf(rootKeyIds);
    validSignatures = List.copyOf(validSignatures);
    chainChecked = List.copyOf(chainChecked);
    filesWritten = List.copyOf(filesWritten);
  }

  static RootResult pushed(String server, RootRole root, SignedMetadata.Verification self) {
    return of("root push", server, root, self, null, List.of(), List.of());
  }

  /** The result of {@code command} ({@code root pull} or {@code root push}) for {@code root}. */
  static RootResult of(
      String command,
      String server,
      RootRole root,
      SignedMetadata.Verification self,
      Integer previousVersion,
      List<Integer> chain,
      List<Path> written) {
    RootRole.RoleKeys rk = root.role(RootRole.ROOT);
    return new RootResult(
        command,
        server,
        root.version(),
        root.expires(),
        rk.keyIds(),
        rk.threshold(),
        self.valid(),
        previousVersion,
        chain,
        written);
  }

  @Override
  public String summary() {
    boolean pull = command.equals("root pull");
    return (pull
            ? "pulled root.json v" + version + " from "
            : "pushed root.json v" + version + " to ")
        + server
        + ", expires "
        + Expiry.format(expires)
        + ", root role "
        + validSignatures.size()
        + " of "
        + threshold
        + " signatures (keys "
        + rootKeyIds.stream().map(SigningKey::shortId).collect(Collectors.joining(", "))
        + ")"
        + (pull ? "; " + chain() : "");
  }

  private String chain() {
    if (previousVersion == null) {
      return "chain not checked";
    }
    if (chainChecked.isEmpty()) {
      return "same as the local root v" + previousVersion;
    }
    return "chain checked from the local root v"
        + previousVersion
        + " ("
        + chainChecked.stream().map(v -> "v" + v).collect(Collectors.joining(", "))
        + ")";
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("command", command);
    o.put("server", server);
    o.put("role", RootRole.ROOT);
    o.put("version", version);
    o.put("expires", Expiry.format(expires));
    ObjectNode t = o.putObject("threshold");
    t.put("threshold", threshold);
    ArrayNode keys = t.putArray("keyIds");
    rootKeyIds.forEach(keys::add);
    ArrayNode valid = t.putArray("signedBy");
    validSignatures.forEach(valid::add);
    t.put("met", threshold >= 1 && validSignatures.size() >= threshold);
    if (command.equals("root pull")) {
      ObjectNode c = o.putObject("chain");
      c.put("checked", previousVersion != null);
      if (previousVersion == null) {
        c.putNull("fromVersion");
      } else {
        c.put("fromVersion", previousVersion);
      }
      ArrayNode vs = c.putArray("versions");
      chainChecked.forEach(vs::add);
    }
    ArrayNode files = o.putArray("filesWritten");
    filesWritten.forEach(p -> files.add(p.toString()));
    return o;
  }
}
