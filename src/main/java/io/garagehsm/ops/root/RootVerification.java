package io.garagehsm.ops.root;

import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.ops.OperationException;
import java.nio.file.Path;

/** {@code verify-root}: checks a root.json's signatures against its own root role. */
public final class RootVerification {
  private RootVerification() {}

  /** The verification of a valid root that meets its own threshold; fails otherwise. */
  public static SignedMetadata.Verification check(Path input) {
    SignedMetadata md = SignedMetadata.fromJson(MetadataJson.read(input), input.toString());
    RootRole root = RootRole.of(md, input.toString()).requireValid();
    SignedMetadata.Verification v = root.verify(md, RootRole.ROOT);
    if (!v.thresholdMet()) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          input + " is not validly signed by its root role: " + v.describe(),
          null);
    }
    return v;
  }
}
