package io.garagehsm.ops.delegations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.repo.AtomicFiles;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A delegated targets document as the {@code delegations} procedures produce it: the pretty-printed
 * JSON and, when it was written back into its input ({@code -e}), the file.
 *
 * @param json the document, pretty-printed (no final newline)
 * @param writtenTo the file it was written to, or empty when only returned
 */
@SuppressWarnings("ArrayRecordComponent") // output bytes, never compared or hashed
public record DelegationFile(byte[] json, Optional<Path> writtenTo) {

  /** Pretty-prints {@code document}; writes it to {@code inplace} atomically when not null. */
  static DelegationFile of(JsonNode document, Path inplace) {
    byte[] b = MetadataJson.pretty(document);
    if (inplace != null) {
      AtomicFiles.write(inplace, b, AtomicFiles.PUBLIC);
    }
    return new DelegationFile(b, Optional.ofNullable(inplace));
  }

  /** {@code saved to <file>}, or {@code printed on stdout}: the end of a result line. */
  String destination() {
    return writtenTo.map(p -> "saved to " + p).orElse("printed on stdout");
  }

  /** Adds {@code "output"}: the file written, or null when the document went to stdout. */
  void putOutput(ObjectNode o) {
    o.put("output", writtenTo.map(Path::toString).orElse(null));
  }

  static ObjectNode readObject(Path input) {
    JsonNode n = MetadataJson.read(input);
    if (!n.isObject()) {
      throw new MetadataException(input + " must hold a JSON object");
    }
    return (ObjectNode) n;
  }

  static boolean isSigned(JsonNode n) {
    return n.has("signed") && n.has("signatures");
  }
}
