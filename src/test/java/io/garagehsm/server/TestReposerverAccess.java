package io.garagehsm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.server.testserver.TestReposerver;

/** Reaches the test server's re-encode check from this package. */
final class TestReposerverAccess {
  private TestReposerverAccess() {}

  static ObjectNode reencode(ObjectNode signed) {
    return TestReposerver.reencodeRoot(signed);
  }
}
