package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code delegations sign}: signs a delegated targets file as given (no version bump); an already
 * signed file gets the new signatures added.
 */
public final class SignDelegation {

  /**
   * @param keyNames user keys to sign with (file or token keys)
   * @param keys the folder of those keys
   * @param input the delegated targets file, signed or not
   * @param inplace write the result back into {@code input}
   */
  public record Request(List<String> keyNames, KeyDirectory keys, Path input, boolean inplace) {
    public Request {
      keyNames = List.copyOf(keyNames);
    }
  }

  /**
   * @param file the signed envelope, and where it was written (if anywhere)
   * @param input the file it was read from
   * @param version the role's version (unchanged by signing)
   * @param expires the role's expiry (unchanged by signing)
   * @param keys the keys that signed now, in the order of the key names
   * @param signatureCount the signatures the envelope now carries, earlier ones included
   */
  public record Result(
      DelegationFile file,
      Path input,
      int version,
      Instant expires,
      List<SigningKey> keys,
      int signatureCount)
      implements OperationResult {
    public Result {
      keys = List.copyOf(keys);
    }

    /** The key IDs that signed now, in the order of the key names. */
    public List<String> keyIds() {
      return keys.stream().map(SigningKey::keyId).toList();
    }

    @Override
    public String summary() {
      return "signed delegation "
          + input
          + " v"
          + version
          + ", expires "
          + Expiry.format(expires)
          + (keys.size() == 1 ? ", key " : ", keys ")
          + SigningKey.describeAll(keys)
          + "; "
          + signatureCount
          + (signatureCount == 1 ? " signature; " : " signatures; ")
          + file.destination();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "delegations sign");
      o.put("input", input.toString());
      o.put("version", version);
      o.put("expires", Expiry.format(expires));
      keys.forEach(k -> o.withArray("keys").add(k.toJson()));
      o.put("signatureCount", signatureCount);
      file.putOutput(o);
      return o;
    }
  }

  private final SignerOpener signers;

  public SignDelegation(SignerOpener signers) {
    this.signers = signers;
  }

  public Result run(Request request) {
    request.keyNames().forEach(KeyDirectory::checkName);
    Path input = request.input();
    ObjectNode in = DelegationFile.readObject(input);
    SignedMetadata md =
        DelegationFile.isSigned(in)
            ? SignedMetadata.fromJson(in, input.toString())
            : SignedMetadata.unsigned(in);
    TargetsRole role = TargetsRole.of(md.signed(), input.toString());
    List<Signer> opened = signers.openAll(request.keys(), request.keyNames());
    SignedMetadata out;
    List<SigningKey> keys = new ArrayList<>();
    try {
      out = MetadataSigner.sign(md, opened);
      for (int i = 0; i < opened.size(); i++) {
        keys.add(SigningKey.of(request.keyNames().get(i), opened.get(i)));
      }
    } finally {
      SignerOpener.closeAll(opened);
    }
    return new Result(
        DelegationFile.of(out.toJson(), request.inplace() ? input : null),
        input,
        role.version(),
        role.expires(),
        keys,
        out.signatures().size());
  }
}
