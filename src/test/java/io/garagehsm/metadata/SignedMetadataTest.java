package io.garagehsm.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The canonical bytes an envelope hands out (made once for a small tree, issue 9). */
class SignedMetadataTest {
  static ObjectNode tree(int entries) {
    ObjectNode s = MetadataJson.object();
    s.put("_type", "Targets");
    s.put("version", 3);
    ObjectNode t = s.putObject("targets");
    for (int i = entries - 1; i >= 0; i--) {
      t.putObject("file-" + i).put("length", i);
    }
    return s;
  }

  @Test
  void everyEnvelopeAroundATreeHandsOutItsCanonicalBytesAsACopy() {
    for (int entries : new int[] {2, 40_000}) { // below and above the size kept (1 MiB)
      ObjectNode s = tree(entries);
      byte[] want = CanonicalJson.encode(s);
      SignedMetadata md = SignedMetadata.unsigned(s);
      byte[] first = md.canonicalSigned();
      assertArrayEquals(want, first);
      Arrays.fill(first, (byte) 'x'); // a caller changing its copy changes nothing else
      SignedMetadata signed =
          md.withSignature(
              new TufSignature("ab".repeat(32), SignatureMethod.ED25519, new byte[64]));
      for (SignedMetadata m : new SignedMetadata[] {md, signed, signed.withoutSignatures()}) {
        byte[] b = m.canonicalSigned();
        assertArrayEquals(want, b, entries + " entries");
        assertNotSame(b, m.canonicalSigned());
      }
      assertFalse(
          Arrays.equals(want, SignedMetadata.unsigned(tree(entries + 1)).canonicalSigned()));
    }
  }
}
