package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A readable Markdown account of a checked transcript: the chain, the seals, every step. */
public final class TranscriptReport {
  private TranscriptReport() {}

  public static String markdown(String repository, Transcript.Check check) {
    StringBuilder b = new StringBuilder();
    b.append("# Key ceremony transcript: ").append(repository).append("\n\n");
    b.append("- File: `").append(check.file()).append("`\n");
    b.append("- Lines: ").append(check.lines().size()).append("\n");
    b.append("- Hash chain: ")
        .append(check.intact() ? "intact" : "**BROKEN** (" + check.problems().size() + " problems)")
        .append("\n");
    String head =
        check.lines().isEmpty()
            ? Transcript.GENESIS
            : check.lines().get(check.lines().size() - 1).hash();
    b.append("- Head (SHA-256 of the last line): `").append(head).append("`\n");
    int unsealed = check.lines().size() - check.sealedLines();
    b.append("- Sealed: ")
        .append(
            check.sealedLines() == 0
                ? "no valid seal ('ceremony close' signs the head)"
                : "lines 1–" + check.sealedLines() + " (a valid seal and the lines it signs)")
        .append(
            unsealed > 0 && check.sealedLines() > 0
                ? "; " + unsealed + " later lines not sealed"
                : "")
        .append("\n");
    if (!check.problems().isEmpty()) {
      b.append("\n## Problems\n\n");
      for (String p : check.problems()) {
        b.append("- ").append(p).append("\n");
      }
    }
    if (!check.seals().isEmpty()) {
      b.append("\n## Seals\n\n| Line | Covers lines | Key | Valid |\n|---:|---:|---|---|\n");
      for (Transcript.Seal s : check.seals()) {
        b.append("| ")
            .append(s.line())
            .append(" | 1–")
            .append(s.covers())
            .append(" | ")
            .append(s.keyName() == null ? "" : s.keyName() + " ")
            .append("`")
            .append(shortId(s.keyId()))
            .append("` | ")
            .append(s.valid() ? "yes" : "**no**: " + s.reason())
            .append(" |\n");
      }
    }
    b.append("\n## Steps\n\n");
    b.append(
        "| # | Time (UTC) | Command | Host | Signatures (key, where, SHA-256 of the bytes) | Result |\n");
    b.append("|---:|---|---|---|---|---|\n");
    for (Transcript.Line l : check.lines()) {
      JsonNode j = l.json();
      b.append("| ")
          .append(l.number())
          .append(" | ")
          .append(cell(j.path("time").asText()))
          .append(" | `")
          .append(cell(j.path("command").asText()))
          .append("` | ")
          .append(cell(j.path("host").asText()))
          .append(" | ")
          .append(cell(signatures(j.path("signatures"))))
          .append(" | ")
          .append(cell(j.path("result").asText()))
          .append(" |\n");
    }
    return b.toString();
  }

  private static String signatures(JsonNode sigs) {
    List<String> parts = new ArrayList<>();
    for (JsonNode s : sigs) {
      StringBuilder p = new StringBuilder();
      if (s.hasNonNull("key_name")) {
        p.append(s.get("key_name").asText()).append(" ");
      }
      p.append("`").append(shortId(s.path("key_id").asText())).append("` ");
      JsonNode t = s.path("token");
      if (t.isObject()) {
        p.append("token '").append(t.path("label").asText()).append("'");
        if (t.hasNonNull("serial")) {
          p.append(" (serial ").append(t.get("serial").asText()).append(")");
        }
        if (t.hasNonNull("model")) {
          p.append(" ").append(t.get("model").asText());
        }
      } else {
        p.append("file key");
      }
      p.append(", `").append(shortId(s.path("signed_sha256").asText())).append("`");
      if (!s.path("verified").asBoolean(true)) {
        p.append(" (did NOT verify)");
      }
      parts.add(p.toString());
    }
    return parts.isEmpty() ? "—" : String.join("; ", parts);
  }

  private static String shortId(String hex) {
    return hex.length() > 16 ? hex.substring(0, 16) + "…" : hex;
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
