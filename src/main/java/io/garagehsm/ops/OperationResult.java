package io.garagehsm.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a procedure that writes or talks to the server reports when it is done (issue 10): one line
 * for people and the same facts as one JSON object for scripts. The CLI prints {@link #summary()}
 * on stderr and, with {@code --json}, {@link #toJson()} on stdout.
 */
public interface OperationResult {

  /** One line saying what happened, e.g. "signed root.json v3, expires …, keys …". */
  String summary();

  /** The result as one JSON object (built here, never in the CLI). */
  ObjectNode toJson();
}
