package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.SignatureLog;
import io.garagehsm.signing.SignatureRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What one command contributes to its repository's ceremony transcript: the repository it worked
 * on, the signatures it made, the details of a ceremony step, the error it ended with. {@link
 * #record} appends the line at the end of the command.
 */
public final class TranscriptRecorder {
  private final Instant started;
  private Repository repository;
  private final List<SignatureRecord> signatures = new ArrayList<>();
  private ObjectNode stepDetails;
  private boolean step;
  private String failure;

  /**
   * @param started when the command started (the entry's time)
   */
  public TranscriptRecorder(Instant started) {
    this.started = started;
  }

  /** The repository the command works on (the last one opened). */
  public void repository(Repository repo) {
    repository = repo;
  }

  /** Where the command's signatures are collected. */
  public SignatureLog log() {
    return new Collected(signatures);
  }

  /** Adds to the list (a class, not a lambda: a lambda's first call costs its bootstrap). */
  private static final class Collected implements SignatureLog {
    private final List<SignatureRecord> into;

    Collected(List<SignatureRecord> into) {
      this.into = into;
    }

    @Override
    public void signed(SignatureRecord record) {
      into.add(record);
    }
  }

  /** The signatures made so far. */
  public List<SignatureRecord> signaturesMade() {
    return List.copyOf(signatures);
  }

  /** Marks the command as a ceremony step: it is recorded even without signatures. */
  public void step(ObjectNode details) {
    step = true;
    stepDetails = details;
  }

  /** Remembers the error line reported. */
  public void failed(String message) {
    failure = message;
  }

  /**
   * Appends the command's line to the repository's transcript when it made a signature or was a
   * ceremony step that succeeded. Never stops the command: a failure to record goes to {@code
   * warn}.
   */
  public void record(
      String command, List<String> args, int code, Supplier<String> host, Consumer<String> warn) {
    if (repository == null || (signatures.isEmpty() && !(step && code == 0))) {
      return;
    }
    String result =
        code == 0 ? "ok" : "failed (exit " + code + ")" + (failure == null ? "" : ": " + failure);
    try {
      Transcript.ofRepository(repository.dir())
          .append(
              new TranscriptEntry(
                  started,
                  command,
                  args,
                  host.get(),
                  repository.name(),
                  named(signatures),
                  stepDetails,
                  result));
    } catch (RuntimeException e) {
      warn.accept("the ceremony transcript could not be written: " + e.getMessage());
    }
  }

  /** Adds the repository's key names (keys/*.pub) to the records. */
  private List<SignatureRecord> named(List<SignatureRecord> records) {
    Map<String, String> names = repository.keys().namesByKeyId();
    List<SignatureRecord> out = new ArrayList<>();
    for (SignatureRecord r : records) {
      out.add(
          new SignatureRecord(
              r.keyName() != null ? r.keyName() : names.get(r.keyId()),
              r.keyId(),
              r.method(),
              r.location(),
              r.token(),
              r.signedSha256(),
              r.verified()));
    }
    return out;
  }
}
