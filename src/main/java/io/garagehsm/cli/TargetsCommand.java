package io.garagehsm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.Expiry;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import io.garagehsm.ops.ExternalSignature;
import io.garagehsm.ops.SignerOpener;
import io.garagehsm.ops.targets.ImageRepository;
import io.garagehsm.ops.targets.TargetBatch;
import io.garagehsm.ops.targets.TargetEntry;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code targets …}: the image repository's targets metadata, offline parts. */
@Command(
    name = "targets",
    description = "Edit and sign the targets metadata of an image (reposerver) repository.",
    subcommands = {
      TargetsCommand.Init.class,
      TargetsCommand.Add.class,
      TargetsCommand.AddUploaded.class,
      TargetsCommand.Delete.class,
      TargetsCommand.GetUnsigned.class,
      TargetsCommand.Sign.class,
      TargetsCommand.IncrementVersion.class,
      TargetsCommand.Delegations.class,
      TargetsPullCommand.class,
      TargetsPushCommand.class,
      TargetsUploadCommand.class
    })
final class TargetsCommand {

  /** Writes the unsigned targets, re-encoded as garage-sign does. */
  static void writeUnsigned(Repository repo, TargetsRole t) {
    repo.writeUnsignedRole("targets", t.json());
  }

  @Command(
      name = "init",
      description =
          "Write an empty unsigned targets.json (roles/unsigned/targets.json) with the given"
              + " version and expiry. Replaces an existing unsigned file (with a warning"
              + " when it listed targets); roles/targets.json is left alone.")
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(names = "--version", required = true, paramLabel = "<int>", description = "Version.")
    int version;

    @Option(
        names = "--expires",
        required = true,
        paramLabel = "<instant>",
        description = "Expiry date, ISO-8601, e.g. 2030-01-01T00:00:00Z.")
    String expires;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Instant exp;
      try {
        exp = Expiry.parse(expires, "--expires");
      } catch (MetadataException e) {
        throw new CliException(ExitCodes.USAGE, e.getMessage(), e.hint());
      }
      if (version < 0) {
        throw new CliException(ExitCodes.USAGE, "--version must not be negative", null);
      }
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        r.unsignedRole("targets")
            .filter(n -> n.path("targets").size() > 0)
            .ifPresent(
                n ->
                    ctx.warn(
                        "replacing "
                            + r.unsignedFile("targets")
                            + ", which listed "
                            + n.path("targets").size()
                            + " target(s)"));
        writeUnsigned(r, TargetsRole.empty(version, exp));
      }
      ctx.info("Wrote unsigned targets.json to " + r.unsignedFile("targets"));
      return ExitCodes.OK;
    }
  }

  /** The target options shared by {@code targets add} and {@code delegations add-target}. */
  static final class TargetOptions {
    @Option(names = "--name", required = true, description = "Target name.")
    String name;

    @Option(names = "--version", required = true, description = "Target version.")
    String version;

    @Option(
        names = "--length",
        required = true,
        paramLabel = "<bytes>",
        description = "Length of the target in bytes.")
    long length;

    @Option(
        names = "--sha256",
        required = true,
        paramLabel = "<hex>",
        description = "SHA-256 of the target, 64 hex characters.")
    String sha256;

    @Option(
        names = "--hardwareids",
        required = true,
        split = ",",
        paramLabel = "<id>",
        description = "Hardware IDs the target is for, comma-separated.")
    List<String> hardwareIds;

    @Option(
        names = "--format",
        paramLabel = "ostree|binary",
        description = "Target format (stored upper-case; default binary).")
    String format;

    @Option(names = "--url", paramLabel = "<uri>", description = "Where devices download it.")
    String url;

    @Option(
        names = "--customMeta",
        paramLabel = "<json>",
        description =
            "JSON object deep-merged into the target's custom field; it must not set name,"
                + " version, hardwareIds, targetFormat, uri or cliUploaded.")
    String customMeta;

    TargetEntry spec() {
      return new TargetEntry(
          name, version, length, sha256, hardwareIds, format, url, customMeta, false);
    }
  }

  @Command(
      name = "add",
      description =
          "Add (or replace) a target <name>-<version> in the unsigned targets.json, or many"
              + " targets from a --manifest in one run. All signed strings must be ASCII.")
  static final class Add implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--manifest",
        paramLabel = "<file|->",
        description =
            "Add every target of this JSON array or JSON Lines file ('-': standard input) instead"
                + " of one: each entry has the fields name, version, length, sha256, hardwareids,"
                + " and optionally format, url, customMeta, meaning what the flags mean. All entries"
                + " are checked before anything is written; an error names the entry (exit 1).")
    String manifest;

    @ArgGroup(exclusive = false)
    TargetOptions target;

    Add(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Map<String, ObjectNode> items;
      if (manifest != null) {
        if (target != null) {
          throw new CliException(
              ExitCodes.USAGE, "--manifest and --name/--version/... exclude each other", null);
        }
        items = manifestItems(manifest, TargetManifest.Kind.ADD, ctx.clock().instant());
      } else {
        if (target == null) {
          throw new CliException(
              ExitCodes.USAGE,
              "targets add needs --name, --version, --length, --sha256 and --hardwareids, or"
                  + " --manifest",
              "see 'targets add --help'");
        }
        TargetEntry spec = target.spec();
        items = Map.of(spec.filename(), spec.item(ctx.clock().instant()));
      }
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        TargetsRole t = r.unsignedTargets();
        writeUnsigned(r, t.withTargets(items));
      }
      ctx.info(
          (items.size() == 1 ? "added target to " : "added " + items.size() + " targets to ")
              + r.unsignedFile("targets"));
      return ExitCodes.OK;
    }
  }

  /** The targets of a manifest file ({@code -}: standard input), all checked (ops.targets). */
  static Map<String, ObjectNode> manifestItems(
      String manifest, TargetManifest.Kind kind, Instant now) {
    if (manifest.equals("-")) {
      return TargetBatch.items(System.in, "the manifest on standard input", kind, now);
    }
    Path file = Path.of(manifest);
    try (InputStream in = Files.newInputStream(file)) {
      return TargetBatch.items(in, file.toString(), kind, now);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CliException(ExitCodes.EXPLAINED, "manifest " + file + " does not exist", null);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.EXPLAINED, "cannot read manifest " + file + ": " + e.getMessage(), null);
    }
  }

  /** The single-file options of {@code targets add-uploaded}. */
  static final class UploadedOptions {
    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "The uploaded file.")
    Path input;

    @Option(names = "--name", required = true, description = "Target name.")
    String name;

    @Option(names = "--version", required = true, description = "Target version.")
    String version;

    @Option(
        names = "--hardwareids",
        required = true,
        split = ",",
        paramLabel = "<id>",
        description = "Hardware IDs, comma-separated.")
    List<String> hardwareIds;

    @Option(
        names = "--customMeta",
        paramLabel = "<json>",
        description =
            "JSON object deep-merged into the target's custom field; it must not set name,"
                + " version, hardwareIds, targetFormat, uri or cliUploaded.")
    String customMeta;
  }

  @Command(
      name = "add-uploaded",
      description =
          "Add a target for a file uploaded with 'targets upload': length and SHA-256 are"
              + " computed from the local file; format BINARY, no uri, cliUploaded true. With"
              + " --manifest, many files in one run.")
  static final class AddUploaded implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--manifest",
        paramLabel = "<file|->",
        description =
            "Add every file of this JSON array or JSON Lines file ('-': standard input): each"
                + " entry has the fields input (a path, relative to the current folder), name,"
                + " version, hardwareids and optionally customMeta. All files are read and all"
                + " entries checked before anything is written; an error names the entry (exit 1).")
    String manifest;

    @ArgGroup(exclusive = false)
    UploadedOptions file;

    AddUploaded(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Map<String, ObjectNode> items;
      if (manifest != null) {
        if (file != null) {
          throw new CliException(
              ExitCodes.USAGE, "--manifest and -i/--name/--version/... exclude each other", null);
        }
        items = manifestItems(manifest, TargetManifest.Kind.ADD_UPLOADED, ctx.clock().instant());
      } else {
        if (file == null) {
          throw new CliException(
              ExitCodes.USAGE,
              "targets add-uploaded needs -i, --name, --version and --hardwareids, or --manifest",
              "see 'targets add-uploaded --help'");
        }
        TargetBatch.FileDigest d = TargetBatch.digest(file.input);
        TargetEntry spec =
            new TargetEntry(
                file.name,
                file.version,
                d.length(),
                d.sha256(),
                file.hardwareIds,
                "binary",
                null,
                file.customMeta,
                true);
        items = Map.of(spec.filename(), spec.item(ctx.clock().instant()));
      }
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        writeUnsigned(r, r.unsignedTargets().withTargets(items));
      }
      ctx.info(
          (items.size() == 1 ? "added target to " : "added " + items.size() + " targets to ")
              + r.unsignedFile("targets"));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      description =
          "Remove a target from the unsigned targets.json; its filename is <name>-<version>.")
  static final class Delete implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--filename",
        required = true,
        paramLabel = "<name>",
        description = "Target filename, <name>-<version>.")
    String filename;

    Delete(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        writeUnsigned(r, r.unsignedTargets().withoutTarget(filename));
      }
      ctx.info("deleted target " + filename + " from " + r.unsignedFile("targets"));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "get-unsigned",
      description =
          "Print the canonical JSON of the unsigned targets (no trailing newline): exactly the"
              + " bytes 'targets sign' signs. Use it to sign with an external key, then pass"
              + " --signatures to 'targets sign'.")
  static final class GetUnsigned implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    GetUnsigned(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      byte[] b = r.unsignedTargets().canonical();
      ctx.out().write(b, 0, b.length);
      ctx.out().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "sign",
      description = {
        "Sign the unsigned targets into roles/targets.json.",
        "With --key-name: version = --version or unsigned version + 1; expiry from --expires /"
            + " --expire-after, else the unsigned file's. The key may be a file key or a token"
            + " key.",
        "With --signatures: attach signatures made elsewhere over 'targets get-unsigned';"
            + " each is verified first; no version or expiry change."
      })
  static final class Sign implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = "--key-name",
        paramLabel = "<name>",
        description =
            "Key in keys/ to sign with (file key or token key); if repeated, only the last"
                + " is used.")
    List<String> keyNames = new ArrayList<>();

    @Option(names = "--version", paramLabel = "<int>", description = "Version of the result.")
    Integer version;

    @Option(
        names = "--signatures",
        paramLabel = "<name=b64,…>",
        description =
            "External signatures over 'targets get-unsigned', by keys/<name>.pub: RSA-PSS"
                + " (SHA-256, salt 32) or Ed25519, base64.")
    String signatures;

    @Mixin ExpiryOptions expiry;

    Sign(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      if (signatures != null && version != null) {
        throw new CliException(
            ExitCodes.OTHER,
            "If you pass a signature you can't pass a version",
            "set the version first with 'targets increment-version', then get-unsigned and sign"
                + " again");
      }
      if (signatures != null && !keyNames.isEmpty()) {
        throw new CliException(
            ExitCodes.USAGE,
            "--key-name and --signatures cannot be combined for targets",
            "sign everything externally, or sign with one --key-name");
      }
      if (signatures == null && keyNames.isEmpty()) {
        throw new CliException(
            ExitCodes.USAGE, "targets sign needs --key-name or --signatures", null);
      }
      Map<String, String> sigs = signatures == null ? null : SignaturesOption.parse(signatures);
      if (sigs == null) {
        expiry.check();
      }
      if (keyNames.size() > 1) {
        ctx.warn("only one --key-name is used for targets: " + keyNames.get(keyNames.size() - 1));
      }
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        TargetsRole t = r.unsignedTargets();
        SignedMetadata out;
        if (sigs != null) {
          if (expiry.given()) {
            ctx.warn("--expires/--expire-after are ignored with --signatures");
          }
          out = SignedMetadata.unsigned(t.json());
          out.requireAscii();
          byte[] data = t.canonical();
          for (Map.Entry<String, String> e : sigs.entrySet()) {
            warnIfNotTargetsKey(r, e.getKey());
            TufSignature s = ExternalSignature.verify(r.keys(), e.getKey(), e.getValue(), data);
            out = out.withSignature(s);
          }
        } else {
          Instant now = ctx.clock().instant();
          TargetsRole signedRole =
              t.withVersion(version != null ? version : t.version() + 1)
                  .withExpires(expiry.resolve(t.expires(), now));
          warnIfNotTargetsKey(r, keyNames.get(keyNames.size() - 1));
          List<Signer> signers =
              ((SignerOpener) ctx::signer)
                  .openAll(r.keys(), List.of(keyNames.get(keyNames.size() - 1)));
          try {
            out = MetadataSigner.sign(SignedMetadata.unsigned(signedRole.json()), signers);
          } finally {
            SignerOpener.closeAll(signers);
          }
        }
        r.writeSignedRole("targets", out);
      }
      ctx.info("signed targets.json to " + r.signedFile("targets"));
      return ExitCodes.OK;
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
        ctx.warn(
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

  @Command(
      name = "increment-version",
      description = "Add 1 to the version of the unsigned targets.json.")
  static final class IncrementVersion implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    IncrementVersion(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ImageRepository.require(ctx.repo(repo.repo));
      try (RepoLock lock = r.lock()) {
        TargetsRole t = r.unsignedTargets();
        writeUnsigned(r, t.withVersion(t.version() + 1));
      }
      ctx.info(
          "Version incremented for unsigned target.json saved to " + r.unsignedFile("targets"));
      return ExitCodes.OK;
    }
  }

  /** {@code targets delegations add}. */
  @Command(
      name = "delegations",
      description = "Edit the delegations of the unsigned targets.json.",
      subcommands = {Delegations.Add.class})
  static final class Delegations {
    @Command(
        name = "add",
        description =
            "Add or replace a delegated role (threshold 1, terminating) in the unsigned"
                + " targets.json.")
    static final class Add implements Callable<Integer> {
      private final CliContext ctx;
      @Mixin RepoOption repo;

      @Option(
          names = {"-n", "--name"},
          required = true,
          paramLabel = "<role>",
          description = "Delegated role name.")
      String name;

      @Option(
          names = {"-p", "--prefix"},
          required = true,
          paramLabel = "<pattern>",
          description = "Path pattern the role may sign, e.g. 'supplier-*' (repeatable).")
      List<String> prefixes;

      @Option(
          names = {"-k", "--key"},
          required = true,
          paramLabel = "<pub-file>",
          description = "Public key file of the role (repeatable).")
      List<Path> keys;

      Add(CliContext ctx) {
        this.ctx = ctx;
      }

      @Override
      public Integer call() {
        TargetsRole.checkDelegatedRoleName(name);
        prefixes.forEach(TargetsRole::checkDelegationPath);
        List<TufKey> pubs = new ArrayList<>();
        for (Path p : keys) {
          TufKey k = TufKey.fromJson(io.garagehsm.metadata.MetadataJson.read(p), p.toString());
          String reason = k.unusableForRolesReason();
          if (reason != null) {
            throw new CliException(ExitCodes.OTHER, p + ": " + reason, null);
          }
          pubs.add(k);
        }
        Repository r = ImageRepository.require(ctx.repo(repo.repo));
        try (RepoLock lock = r.lock()) {
          TargetsRole t = r.unsignedTargets();
          writeUnsigned(r, t.withDelegatedRole(name, prefixes, pubs));
        }
        ctx.info("added delegated role " + name + " to " + r.unsignedFile("targets"));
        return ExitCodes.OK;
      }
    }
  }
}
