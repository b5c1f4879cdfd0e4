package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
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
   * @param file the signed envelope
   * @param keyIds the key IDs that signed now, in the order of the key names
   */
  public record Result(DelegationFile file, List<String> keyIds) {}

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
    TargetsRole.of(md.signed(), input.toString());
    List<Signer> opened = signers.openAll(request.keys(), request.keyNames());
    SignedMetadata out;
    List<String> keyIds;
    try {
      out = MetadataSigner.sign(md, opened);
      keyIds = opened.stream().map(Signer::keyId).toList();
    } finally {
      SignerOpener.closeAll(opened);
    }
    return new Result(DelegationFile.of(out.toJson(), request.inplace() ? input : null), keyIds);
  }
}
