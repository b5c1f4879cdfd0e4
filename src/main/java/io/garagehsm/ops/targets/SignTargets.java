package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.StreamedTargets;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.ExpiryChoice;
import io.garagehsm.ops.ExternalSignature;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code targets sign}: signs the unsigned targets into roles/targets.json, either with one key
 * (version = the given one or unsigned + 1, expiry by {@link ExpiryChoice}) or with signatures made
 * elsewhere over {@code targets get-unsigned} (each verified first; version and expiry unchanged).
 */
public final class SignTargets {

  /**
   * @param repo the image repository
   * @param keyName the key in keys/ to sign with (file or token key), or null with {@code
   *     signatures}
   * @param version the version of the result, or null for the unsigned version + 1
   * @param expiry the new expiry (ignored, with a warning, for external signatures)
   * @param signatures key name → base64 signature made elsewhere, or null
   */
  public record Request(
      Repository repo,
      String keyName,
      Integer version,
      ExpiryChoice expiry,
      Map<String, String> signatures) {
    public Request {
      signatures = signatures == null ? null : Map.copyOf(signatures);
      checkArguments(keyName != null, version != null, signatures != null);
    }
  }

  /**
   * What was signed.
   *
   * @param file roles/targets.json
   * @param version its version
   * @param expires its expiry
   * @param keys the keys whose signatures it carries
   * @param external whether those signatures were made elsewhere ({@code --signatures})
   */
  public record Result(
      Path file, int version, Instant expires, List<SigningKey> keys, boolean external)
      implements OperationResult {
    @Override
    public String summary() {
      return "signed targets.json v"
          + version
          + ", expires "
          + Expiry.format(expires)
          + (external ? ", external signature by key " : ", key ")
          + SigningKey.describeAll(keys)
          + "; saved to "
          + file;
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "targets sign");
      o.put("role", RootRole.TARGETS);
      o.put("file", file.toString());
      o.put("version", version);
      o.put("expires", Expiry.format(expires));
      o.put("external", external);
      keys.forEach(k -> o.withArray("keys").add(k.toJson()));
      return o;
    }
  }

  /** The argument rules of garage-sign's {@code targets sign}, checked before anything is read. */
  public static void checkArguments(boolean keyGiven, boolean versionGiven, boolean signatures) {
    if (signatures && versionGiven) {
      throw new OperationException(
          Kind.FAILED,
          "If you pass a signature you can't pass a version",
          "set the version first with 'targets increment-version', then get-unsigned and sign"
              + " again");
    }
    if (signatures && keyGiven) {
      throw new OperationException(
          Kind.BAD_ARGUMENT,
          "--key-name and --signatures cannot be combined for targets",
          "sign everything externally, or sign with one --key-name");
    }
    if (!signatures && !keyGiven) {
      throw new OperationException(
          Kind.BAD_ARGUMENT, "targets sign needs --key-name or --signatures", null);
    }
  }

  private final OperationContext ops;

  /**
   * @param ops opens the targets key; its clock is now for the expiry; warnings go to its progress
   */
  public SignTargets(OperationContext ops) {
    this.ops = ops;
  }

  public Result run(Request request) {
    Repository r = ImageRepository.require(request.repo());
    try (RepoLock lock = r.lock()) {
      // Streamed, not a tree: a 100k-target file signs in a fraction of the heap (issue 9); the
      // output is byte-identical to TargetsRole.json() signed and pretty-printed.
      StreamedTargets t = r.unsignedTargetsStreamed();
      Map<String, TufSignature> signatures = new LinkedHashMap<>();
      List<SigningKey> keys = new ArrayList<>();
      List<MetadataSigner.Pending> pending = new ArrayList<>();
      int version;
      Instant expires;
      if (request.signatures() != null) {
        if (request.expiry().given()) {
          ops.progress().warn("--expires/--expire-after are ignored with --signatures");
        }
        t.requireAscii();
        version = t.version();
        expires = t.expires();
        byte[] data = t.canonical(version, expires);
        for (Map.Entry<String, String> e : request.signatures().entrySet()) {
          warnIfNotTargetsKey(r, e.getKey());
          TufSignature s = ExternalSignature.verify(r.keys(), e.getKey(), e.getValue(), data);
          signatures.remove(s.keyId()); // a later signature by the same key replaces it
          signatures.put(s.keyId(), s);
          keys.add(new SigningKey(e.getKey(), s.keyId(), null, null));
        }
      } else {
        Instant now = ops.now();
        version = request.version() != null ? request.version() : t.version() + 1;
        expires = request.expiry().resolve(t.expires(), now);
        warnIfNotTargetsKey(r, request.keyName());
        List<Signer> opened = ops.signers().openAll(r.keys(), List.of(request.keyName()));
        try {
          t.requireAscii();
          byte[] data = t.canonical(version, expires);
          for (Signer s : opened) {
            MetadataSigner.Pending p = MetadataSigner.signCheckedLater(s, data);
            pending.add(p);
            signatures.remove(p.unchecked().keyId());
            signatures.put(p.unchecked().keyId(), p.unchecked());
          }
          keys.add(SigningKey.of(request.keyName(), opened.get(0)));
        } finally {
          SignerOpener.closeAll(opened);
        }
      }
      List<TufSignature> sigs = List.copyOf(signatures.values());
      int v = version;
      Instant e = expires;
      // The signature is checked while the file is written (35 MB for 100k targets), and the file
      // replaces the old one only once it verifies.
      r.writeSignedRole(
          RootRole.TARGETS,
          out -> {
            try {
              t.writeSigned(out, sigs, v, e);
            } finally {
              pending.forEach(MetadataSigner.Pending::checked);
            }
          });
      return new Result(
          r.signedFile(RootRole.TARGETS),
          version,
          expires.truncatedTo(ChronoUnit.SECONDS),
          keys,
          request.signatures() != null);
    }
  }

  /** Before signing: a key the local root's targets role does not list makes a useless file. */
  private void warnIfNotTargetsKey(Repository r, String keyName) {
    RootRole root;
    TufKey key;
    try {
      Optional<SignedMetadata> local = r.signedRole(RootRole.ROOT);
      if (local.isEmpty()) {
        return;
      }
      root = RootRole.of(local.get(), r.signedFile(RootRole.ROOT).toString());
      key = r.keys().publicKey(keyName);
    } catch (RuntimeException e) {
      return; // signing reports an unreadable key; verification an unreadable root
    }
    if (!root.listsKey(RootRole.TARGETS, key)) {
      ops.progress()
          .warn(
              "key '"
                  + keyName
                  + "' ("
                  + key.keyId()
                  + ") is not a key of the targets role in "
                  + r.signedFile(RootRole.ROOT)
                  + " (v"
                  + root.version()
                  + "); the server and devices will reject targets.json signed by it. Sign with"
                  + " a key the targets role lists, or 'root pull' if the root changed");
    }
  }
}
