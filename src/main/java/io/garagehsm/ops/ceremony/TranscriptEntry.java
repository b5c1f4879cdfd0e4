package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.signing.SignatureRecord;
import io.garagehsm.signing.TokenIdentity;
import java.time.Instant;
import java.util.List;

/**
 * What one command or ceremony step appends to the transcript (before the chain fields).
 *
 * @param time when the command ran
 * @param command the command words, e.g. {@code root sign}
 * @param args the arguments as given (garage-hsm never takes a PIN as an argument)
 * @param host the machine's host name
 * @param repository repository name, or null (offline bundle signing)
 * @param signatures every signature made
 * @param details step-specific facts (bundle hashes, thresholds), or null
 * @param result {@code ok}, or {@code failed (exit N): reason}
 */
public record TranscriptEntry(
    Instant time,
    String command,
    List<String> args,
    String host,
    String repository,
    List<SignatureRecord> signatures,
    ObjectNode details,
    String result) {

  public TranscriptEntry {
    args = List.copyOf(args);
    signatures = List.copyOf(signatures);
  }

  /** The entry's JSON without {@code seq} and {@code prev}, in a fixed field order. */
  public ObjectNode toJson() {
    ObjectNode o = MetadataJson.object();
    o.put("time", Expiry.format(time));
    o.put("command", command);
    ArrayNode a = o.putArray("args");
    for (String arg : args) {
      a.add(arg);
    }
    o.put("host", host);
    if (repository == null) {
      o.putNull("repository");
    } else {
      o.put("repository", repository);
    }
    ArrayNode sigs = o.putArray("signatures");
    for (SignatureRecord s : signatures) {
      sigs.add(toJson(s));
    }
    if (details != null) {
      o.set("details", details);
    }
    o.put("result", result);
    return o;
  }

  /** One signature as the transcript and bundles write it. */
  public static ObjectNode toJson(SignatureRecord s) {
    ObjectNode o = MetadataJson.object();
    if (s.keyName() != null) {
      o.put("key_name", s.keyName());
    }
    o.put("key_id", s.keyId());
    o.put("method", s.method());
    o.put("location", s.location());
    TokenIdentity t = s.token();
    if (t == null) {
      o.put("kind", "file");
    } else {
      o.put("kind", "token");
      ObjectNode tok = o.putObject("token");
      tok.put("label", t.label());
      putNullable(tok, "serial", t.serial());
      putNullable(tok, "model", t.model());
      putNullable(tok, "manufacturer", t.manufacturer());
      putNullable(tok, "module", t.module());
    }
    o.put("signed_sha256", s.signedSha256());
    o.put("verified", s.verified());
    return o;
  }

  private static void putNullable(ObjectNode o, String name, String value) {
    if (value == null) {
      o.putNull(name);
    } else {
      o.put(name, value);
    }
  }
}
