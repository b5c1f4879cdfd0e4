package io.garagehsm.ops;

import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.signing.Signer;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the signer for a named key of a key folder (a file key or a token key). The CLI's opener
 * also reports, with {@code --verbose}, where each key signs.
 */
@FunctionalInterface
public interface SignerOpener {

  Signer open(KeyDirectory keys, String name);

  /** Opens signers for key names; on failure the ones opened are closed again. */
  default List<Signer> openAll(KeyDirectory keys, List<String> names) {
    List<Signer> out = new ArrayList<>();
    try {
      for (String n : names) {
        out.add(open(keys, n));
      }
      return out;
    } catch (RuntimeException e) {
      closeAll(out);
      throw e;
    }
  }

  static void closeAll(List<Signer> signers) {
    for (Signer s : signers) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // closing a signer only logs out of a token
      }
    }
  }
}
