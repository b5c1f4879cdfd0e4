package io.garagehsm.ops.root;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.AsciiContent;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.ExpiryChoice;
import io.garagehsm.ops.ExternalSignature;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.Progress;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.ops.ceremony.KeyholderSigning;
import io.garagehsm.ops.ceremony.Threshold;
import io.garagehsm.ops.ceremony.TokenPrompter;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.Signer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code root sign}: signs the unsigned root into roles/root.json. With keys: version = unsigned
 * version + 1 and the chosen expiry, one signature per key, one keyholder at a time (keys on tokens
 * that are never plugged in together). With external signatures: attaches signatures made elsewhere
 * over the unsigned root's canonical bytes (no version or expiry change), and keys given as well
 * sign the same bytes. Refuses a version that skips one relative to roles/root.json; warns when a
 * threshold of the new or the previous root is not met yet.
 */
public final class RootSigning {

  /**
   * @param repo the repository
   * @param keyNames keys in keys/ that sign (file or token keys), in order; may be empty with
   *     {@code signatures}
   * @param signatures external signatures by key name (base64), or null
   * @param expiry the expiry rule with keys; ignored with {@code signatures}
   */
  public record Request(
      Repository repo, List<String> keyNames, Map<String, String> signatures, ExpiryChoice expiry) {
    public Request {
      keyNames = List.copyOf(keyNames);
      signatures = signatures == null ? null : new LinkedHashMap<>(signatures);
    }
  }

  private final OperationContext ops;
  private final Predicate<String> tokenPresent;
  private final TokenPrompter prompter;

  /**
   * @param ops opens the signing keys; its clock is now for the expiry, its progress gets the
   *     thresholds after each signature and the warnings
   * @param tokenPresent whether the token a key URI names is plugged in now
   * @param prompter asks for absent tokens (a terminal, or none)
   */
  public RootSigning(OperationContext ops, Predicate<String> tokenPresent, TokenPrompter prompter) {
    this.ops = ops;
    this.tokenPresent = tokenPresent;
    this.prompter = prompter;
  }

  public RootSignResult run(Request rq) {
    Repository r = rq.repo();
    Map<String, String> sigs = rq.signatures();
    List<String> local = rq.keyNames();
    List<SigningKey> used = new ArrayList<>();
    List<SigningKey> external = new ArrayList<>();
    SignedMetadata out;
    RootRole finalRoot;
    Optional<SignedMetadata> previous;
    try (RepoLock lock = r.lock()) {
      RootRole root = r.unsignedRoot();
      if (sigs == null) {
        Instant now = ops.now();
        root =
            root.withVersion(root.nextVersion())
                .withExpires(rq.expiry().resolve(root.expires(), now));
      }
      // what is signed: the re-encoded form (re-encoding it again gives the same tree)
      ObjectNode signed = root.reencoded();
      finalRoot = RootRole.of(signed, r.unsignedFile("root").toString()).requireValid();
      previous = r.signedRole("root");
      checkVersion(r, previous, finalRoot.version());
      out = SignedMetadata.unsigned(signed);
      if (sigs != null) {
        AsciiContent.require(out.signed(), "signed");
        byte[] data = out.canonicalSigned();
        for (Map.Entry<String, String> e : sigs.entrySet()) {
          TufSignature s = ExternalSignature.verify(r.keys(), e.getKey(), e.getValue(), data);
          out = out.withSignature(s);
          external.add(new SigningKey(e.getKey(), s.keyId(), null, "--signatures"));
        }
      }
      List<Threshold> needed = Threshold.forRootSign(finalRoot, previous);
      if (!local.isEmpty()) {
        // one key at a time: keys on tokens that are never plugged in together
        out =
            KeyholderSigning.sign(
                out,
                local,
                new KeyholderSigning.Keyholders(
                    r.keys(),
                    new Opener(r, used),
                    tokenPresent,
                    prompter,
                    new Info(ops.progress())),
                new ThresholdProgress(needed));
      }
      warnThresholds(finalRoot, previous, out);
      r.writeSignedRole("root", out);
      return new RootSignResult(
          finalRoot.version(),
          finalRoot.expires(),
          used,
          external,
          RootSignResult.states(needed, out),
          r.signedFile("root"));
    }
  }

  // classes rather than lambdas: each lambda's first call costs a short run its bootstrap, and a
  // class spun at run time when the archive lacks it

  /** Opens a key through the context's signers and remembers it as used. */
  private final class Opener implements Function<String, Signer> {
    private final Repository repo;
    private final List<SigningKey> used;

    Opener(Repository repo, List<SigningKey> used) {
      this.repo = repo;
      this.used = used;
    }

    @Override
    public Signer apply(String name) {
      Signer s = ops.signers().open(repo.keys(), name);
      used.add(SigningKey.of(name, s));
      return s;
    }
  }

  /** Progress lines. */
  private static final class Info implements Consumer<String> {
    private final Progress progress;

    Info(Progress progress) {
      this.progress = progress;
    }

    @Override
    public void accept(String line) {
      progress.info(line);
    }
  }

  /** The thresholds after a signature. */
  private static final class ThresholdProgress implements Function<SignedMetadata, String> {
    private final List<Threshold> needed;

    ThresholdProgress(List<Threshold> needed) {
      this.needed = needed;
    }

    @Override
    public String apply(SignedMetadata md) {
      return Threshold.progress(needed, md.signatures(), md.canonicalSigned());
    }
  }

  private void checkVersion(Repository r, Optional<SignedMetadata> previous, int version) {
    if (previous.isEmpty()) {
      return;
    }
    int prev = previous.get().version();
    if (prev >= 0 && version > prev + 1) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          "the signed root would be version "
              + version
              + ", but "
              + r.signedFile("root")
              + " is version "
              + prev
              + "; the server and devices accept only version "
              + (prev + 1),
          "do not edit \"version\" in "
              + r.unsignedFile("root")
              + " by hand: set it back to "
              + prev
              + " and let 'root sign' add 1 (with --signatures, use 'root increment-version'"
              + " once)");
    }
    if (prev >= 0 && version <= prev) {
      ops.progress()
          .warn(
              "the signed root is version "
                  + version
                  + ", not newer than "
                  + r.signedFile("root")
                  + " (version "
                  + prev
                  + "); the server will refuse it");
    }
  }

  private void warnThresholds(
      RootRole root, Optional<SignedMetadata> previous, SignedMetadata out) {
    SignedMetadata.Verification self = root.verify(out, RootRole.ROOT);
    if (!self.thresholdMet()) {
      ops.progress().warn("root.json is not yet signed by its own root role: " + self.describe());
    }
    if (previous.isPresent()) {
      try {
        RootRole prev = RootRole.of(previous.get(), "roles/root.json");
        SignedMetadata.Verification old = prev.verify(out, RootRole.ROOT);
        if (!old.thresholdMet()) {
          ops.progress()
              .warn(
                  "root.json is not signed by enough keys of the previous root (version "
                      + prev.version()
                      + "): "
                      + old.describe()
                      + "; the server and devices will refuse it until you add them");
        }
      } catch (RuntimeException e) {
        ops.progress().warn("cannot check the previous root's signatures: " + e.getMessage());
      }
    }
  }
}
