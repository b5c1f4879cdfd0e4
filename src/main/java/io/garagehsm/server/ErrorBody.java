package io.garagehsm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The libats error body {@code {"code","description","cause","errorId"}} (compat spec §9.4). The
 * cause may be a list of messages, a nested error object (the reposerver wraps the keyserver's
 * answer) or a string; {@link #reasons()} flattens it.
 *
 * @param code error code, or null when the body is not an error object
 * @param description the description, or the start of a non-JSON body
 * @param reasons flattened nested causes
 * @param errorId the server's error ID, or null
 */
record ErrorBody(String code, String description, List<String> reasons, String errorId) {

  static ErrorBody parse(byte[] body) {
    if (body == null || body.length == 0) {
      return new ErrorBody(null, null, List.of(), null);
    }
    try {
      JsonNode n = MetadataJson.parse(body, "error body");
      if (n.isObject() && (n.has("code") || n.has("description"))) {
        List<String> reasons = new ArrayList<>();
        collect(n.get("cause"), reasons, 0);
        return new ErrorBody(
            text(n.get("code")),
            text(n.get("description")),
            reasons.stream().map(ServerText::printable).toList(),
            text(n.get("errorId")));
      }
    } catch (MetadataException e) {
      // not JSON: fall through to the raw text
    }
    String s = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8).strip();
    s = s.lines().findFirst().orElse("");
    if (s.length() > 200) {
      s = s.substring(0, 200) + "…";
    }
    s = ServerText.printable(s);
    return new ErrorBody(null, s.isEmpty() ? null : s, List.of(), null);
  }

  private static void collect(JsonNode c, List<String> out, int depth) {
    if (c == null || c.isNull() || depth > 5) {
      return;
    }
    if (c.isTextual()) {
      out.add(c.textValue());
    } else if (c.isArray()) {
      c.forEach(x -> collect(x, out, depth + 1));
    } else if (c.isObject()) {
      JsonNode inner = c.get("cause");
      if (inner != null && !inner.isNull()) {
        collect(inner, out, depth + 1);
      } else if (c.hasNonNull("description")) {
        out.add(c.get("description").asText());
      }
    } else {
      out.add(c.toString());
    }
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : ServerText.printable(n.asText());
  }
}
