package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.ops.SigningKey;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.SignatureLog;
import io.garagehsm.signing.SignatureRecord;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@code ceremony export}, {@code ceremony sign} and {@code ceremony merge}. */
public final class BundleProcedures {
  private BundleProcedures() {}

  /**
   * Builds the bundle for the next signed version of {@code role}: the unsigned role with version +
   * 1 and the expiry {@code expiry} gives for the unsigned file's (as {@code root sign -k} and
   * {@code targets sign} would sign it).
   */
  public static SigningBundle export(
      Repository repo, String role, UnaryOperator<Instant> expiry, Instant now) {
    ObjectNode unsigned = unsigned(repo, role);
    SignedMetadata trusted =
        repo.signedRole("root")
            .orElseThrow(
                () ->
                    new CeremonyException(
                        repo.signedFile("root") + " does not exist: there is no trusted root",
                        "run 'root pull -r " + repo.name() + "' first"));
    RootRole tr = RootRole.of(trusted, repo.signedFile("root").toString());
    ObjectNode signed;
    SignedMetadata current;
    if (role.equals(RootRole.ROOT)) {
      RootRole u = RootRole.of(unsigned, repo.unsignedFile("root").toString());
      if (u.version() + 1 != tr.version() + 1) {
        throw new CeremonyException(
            repo.unsignedFile("root")
                + " is version "
                + u.version()
                + " but "
                + repo.signedFile("root")
                + " is version "
                + tr.version()
                + "; the bundle's root must be version "
                + (tr.version() + 1),
            "set \"version\" in the unsigned root to " + tr.version());
      }
      signed = u.withVersion(u.version() + 1).withExpires(expiry.apply(u.expires())).reencoded();
      current = trusted;
    } else {
      TargetsRole t = TargetsRole.of(unsigned, repo.unsignedFile("targets").toString());
      current = repo.signedRole("targets").orElse(null);
      // the next version after both the unsigned file and the signed one in force
      int next = Math.max(t.version(), current == null ? 0 : current.version()) + 1;
      signed = t.withVersion(next).withExpires(expiry.apply(t.expires())).json();
    }
    SignedMetadata.unsigned(signed).requireAscii();
    Instant exp = Expiry.parse(signed.path("expires").asText(), "the new " + role + " expires");
    if (!exp.isAfter(now)) {
      throw new CeremonyException(
          "the new " + role + ".json would expire at " + Expiry.format(exp) + ", in the past",
          "pass --expires <date> or --expire-after <period>");
    }
    SigningBundle b =
        SigningBundle.create(
            repo.name(),
            role,
            Expiry.format(now),
            signed,
            CanonicalJson.sha256Hex(unsigned),
            trusted,
            current);
    b.check();
    return b;
  }

  /**
   * A bundle written by {@link #exportTo}.
   *
   * @param bundle the bundle
   * @param file where it was written
   * @param details what the transcript records
   */
  public record Exported(SigningBundle bundle, Path file, ObjectNode details)
      implements OperationResult {
    /** The line {@code ceremony export} ends with. */
    @Override
    public String summary() {
      return "signing bundle for " + bundle.role() + ".json saved to " + file;
    }

    @Override
    public ObjectNode toJson() {
      return BundleResultJson.of("ceremony export", bundle, file, null, null);
    }
  }

  /** {@code ceremony export}: {@link #export} and write the bundle to {@code output}. */
  public static Exported exportTo(
      Repository repo, String role, UnaryOperator<Instant> expiry, Instant now, Path output) {
    SigningBundle b = export(repo, role, expiry, now);
    b.write(output);
    ObjectNode details = MetadataJson.object();
    details.put("role", role);
    details.put("bundle", output.toString());
    details.put("signed_sha256", b.signedSha256());
    details.put("unsigned_sha256", b.unsignedSha256());
    return new Exported(b, output, details);
  }

  /**
   * A bundle signed by {@link #signTo}.
   *
   * @param bundle the bundle with the new signature
   * @param file where it was written
   * @param key the key that signed
   */
  public record Signed(SigningBundle bundle, Path file, SigningKey key) implements OperationResult {
    /** The line {@code ceremony sign} ends with. */
    @Override
    public String summary() {
      return "signed bundle saved to " + file;
    }

    @Override
    public ObjectNode toJson() {
      return BundleResultJson.of("ceremony sign", bundle, file, null, key);
    }
  }

  /** {@code ceremony sign}: {@link #sign} and write the signed bundle to {@code output}. */
  public static Signed signTo(
      SigningBundle bundle, Signer signer, String keyName, Instant now, String host, Path output) {
    SigningBundle out = sign(bundle, signer, keyName, now, host);
    out.write(output);
    return new Signed(out, output, SigningKey.of(keyName, signer));
  }

  /**
   * Signs a bundle offline: checks it, refuses a key no threshold lists, signs its bytes, verifies,
   * and returns the bundle with the signature and a record of it.
   */
  public static SigningBundle sign(
      SigningBundle bundle, Signer signer, String keyName, Instant now, String host) {
    bundle.check();
    boolean listed = false;
    List<String> names = new ArrayList<>();
    for (Threshold t : bundle.thresholds()) {
      listed |= t.keyIds().contains(signer.keyId());
      names.add(t.name());
    }
    if (!listed) {
      throw new CeremonyException(
          "key '"
              + keyName
              + "' ("
              + signer.keyId()
              + ") is not one of the keys this bundle needs ("
              + String.join(", ", names)
              + ")",
          "sign with a key of the role; 'ceremony sign' shows the keys it expects");
    }
    byte[] data = bundle.bytesToSign();
    TufSignature sig = MetadataSigner.signChecked(signer, data);
    ObjectNode record =
        io.garagehsm.ops.ceremony.TranscriptEntry.toJson(
            new SignatureRecord(
                keyName,
                sig.keyId(),
                sig.method().json(),
                signer.location(),
                signer.token().orElse(null),
                SignatureLog.sha256Hex(data),
                true));
    record.put("time", Expiry.format(now));
    record.put("host", host);
    SigningBundle out = bundle.withSignature(sig, record);
    out.check();
    return out;
  }

  /**
   * The outcome of a merge.
   *
   * @param progress e.g. {@code new root: 2 of 2 signatures; previous root: 1 of 1}
   * @param met whether every threshold is met
   * @param written the role file written, or null
   * @param merged the bundle with every signature collected
   * @param output where the merged bundle was written when a threshold is not met, or null
   * @param details what the transcript records
   */
  public record MergeResult(
      String progress,
      boolean met,
      Path written,
      SigningBundle merged,
      Path output,
      ObjectNode details)
      implements OperationResult {
    /** The line {@code ceremony merge} ends with. */
    @Override
    public String summary() {
      return met
          ? "signed " + merged.role() + ".json saved to " + written
          : "thresholds not met yet; merged bundle saved to " + output;
    }

    @Override
    public ObjectNode toJson() {
      return BundleResultJson.of("ceremony merge", merged, output, written, null);
    }
  }

  /**
   * Re-verifies every bundle against its own bytes and against the repository (same unsigned file,
   * same trusted root, content derived from the unsigned role), collects the signatures, and writes
   * {@code roles/<role>.json} when every threshold is met. Otherwise, with {@code partial}, writes
   * the merged bundle to {@code output} for more signatures; without, fails naming the progress.
   */
  public static MergeResult merge(
      Repository repo, List<SigningBundle> bundles, boolean partial, Path output) {
    if (partial && output == null) {
      throw new IllegalArgumentException("a partial merge needs an output file");
    }
    if (bundles.isEmpty()) {
      throw new CeremonyException(
          "no bundle given", "pass one or more files 'ceremony sign' wrote");
    }
    try (RepoLock lock = repo.lock()) {
      SigningBundle first = bundles.get(0);
      for (SigningBundle b : bundles) {
        b.check();
        if (!b.repository().equals(repo.name())) {
          throw new CeremonyException(
              b.what()
                  + " was made for repository '"
                  + b.repository()
                  + "', not '"
                  + repo.name()
                  + "'",
              "merge it into its own repository");
        }
        if (!b.signedSha256().equals(first.signedSha256())
            || !b.unsignedSha256().equals(first.unsignedSha256())) {
          throw new CeremonyException(
              b.what() + " holds other content than " + first.what(),
              "merge only bundles of one export");
        }
      }
      String role = first.role();
      ObjectNode unsigned = unsigned(repo, role);
      String nowUnsigned = CanonicalJson.sha256Hex(unsigned);
      if (!nowUnsigned.equals(first.unsignedSha256())) {
        throw new CeremonyException(
            first.what()
                + " was made from a different unsigned "
                + role
                + ".json (SHA-256 "
                + first.unsignedSha256()
                + "; "
                + repo.unsignedFile(role)
                + " is now "
                + nowUnsigned
                + ")",
            "the unsigned role changed after the export: export a new bundle and sign it again");
      }
      SignedMetadata trusted = repo.signedRole("root").orElse(null);
      String trustedSha = trusted == null ? "none" : CanonicalJson.sha256Hex(trusted.signed());
      if (!trustedSha.equals(first.trustedRootSha256())) {
        throw new CeremonyException(
            first.what()
                + " was made against another trusted root than "
                + repo.signedFile("root")
                + " (version "
                + (trusted == null ? "none" : trusted.version())
                + ")",
            "the root changed after the export: export a new bundle");
      }
      ObjectNode derived = derive(repo, role, unsigned, first.signed());
      if (!java.util.Arrays.equals(CanonicalJson.encode(derived), first.bytesToSign())) {
        throw new CeremonyException(
            first.what()
                + " is refused: its content is not "
                + repo.unsignedFile(role)
                + " with a new version and expiry",
            "export a new bundle from the repository");
      }
      Map<String, TufSignature> sigs = new LinkedHashMap<>();
      ArrayNode log = MetadataJson.array();
      SigningBundle merged = first;
      for (SigningBundle b : bundles) {
        for (TufSignature s : b.signatures()) {
          if (sigs.putIfAbsent(s.keyId(), s) == null && b != first) {
            merged = merged.withSignature(s, null);
          }
        }
        b.signingLog().forEach(log::add);
      }
      List<TufSignature> all = new ArrayList<>(sigs.values());
      byte[] data = first.bytesToSign();
      List<Threshold> ts = first.thresholds();
      String progress = Threshold.progress(ts, all, data);
      boolean met = Threshold.allMet(ts, all, data);
      ObjectNode details = MetadataJson.object();
      details.put("role", role);
      details.put("signed_sha256", first.signedSha256());
      details.put("unsigned_sha256", first.unsignedSha256());
      details.put("progress", progress);
      details.put("bundles", bundles.size());
      details.set("offline_signatures", log);
      if (!met && !partial) {
        throw new CeremonyException(
            "not enough signatures: " + progress + "; nothing written",
            "sign the bundle with more keys ('ceremony sign'), or merge with --partial -o <file>"
                + " to keep collecting");
      }
      Path written = null;
      if (met) {
        SignedMetadata out = SignedMetadata.unsigned(first.signed());
        for (TufSignature s : all) {
          out = out.withSignature(s);
        }
        repo.writeSignedRole(role, out);
        written = repo.signedFile(role);
        details.put("written", written.toString());
      } else {
        merged.write(output);
      }
      return new MergeResult(progress, met, written, merged, met ? null : output, details);
    }
  }

  private static ObjectNode derive(
      Repository repo, String role, ObjectNode unsigned, ObjectNode signed) {
    int version = signed.path("version").asInt();
    Instant expires = Expiry.parse(signed.path("expires").asText(), "the bundle's expires");
    if (role.equals(RootRole.ROOT)) {
      return RootRole.of(unsigned, repo.unsignedFile("root").toString())
          .withVersion(version)
          .withExpires(expires)
          .reencoded();
    }
    return TargetsRole.of(unsigned, repo.unsignedFile("targets").toString())
        .withVersion(version)
        .withExpires(expires)
        .json();
  }

  private static ObjectNode unsigned(Repository repo, String role) {
    Optional<ObjectNode> u = repo.unsignedRole(role);
    return u.orElseThrow(
        () ->
            new CeremonyException(
                repo.unsignedFile(role) + " does not exist",
                role.equals(RootRole.ROOT)
                    ? "run 'root pull -r " + repo.name() + "' and edit the root first"
                    : "run 'targets pull -r " + repo.name() + "' first"));
  }
}
