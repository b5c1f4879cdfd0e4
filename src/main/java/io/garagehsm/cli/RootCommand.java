package io.garagehsm.cli;

import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.ops.ExternalSignature;
import io.garagehsm.ops.ceremony.KeyholderSigning;
import io.garagehsm.ops.ceremony.Threshold;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code root …}: the repository's root metadata, offline parts. */
@Command(
    name = "root",
    description = "Edit and sign root.json (keys of the root and targets roles).",
    subcommands = {
      RootCommand.GetUnsigned.class,
      RootCommand.Key.class,
      RootCommand.TargetsKey.class,
      RootCommand.Sign.class,
      RootCommand.IncrementVersion.class,
      RootPullCommand.class,
      RootPushCommand.class
    })
final class RootCommand {
  private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");

  static void writeUnsigned(Repository repo, RootRole root) {
    repo.writeUnsignedRole("root", root.reencoded());
  }

  @Command(
      name = "get-unsigned",
      description =
          "Print the canonical JSON of the unsigned root (no trailing newline): exactly the"
              + " bytes 'root sign' signs when the version is already final (see --signatures).")
  static final class GetUnsigned implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    GetUnsigned(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      byte[] b = CanonicalJson.encode(r.unsignedRoot().reencoded());
      ctx.out().write(b, 0, b.length);
      ctx.out().flush();
      return ExitCodes.OK;
    }
  }

  /** Shared body of {@code key add} and {@code targets-key add}. */
  static int addKeys(CliContext ctx, String repoName, String role, List<String> names) {
    Repository r = ctx.repo(repoName);
    List<TufKey> keys = r.keys().roleKeys(names);
    try (RepoLock lock = r.lock()) {
      RootRole root = r.unsignedRoot();
      writeUnsigned(r, root.withKeysAdded(role, keys));
    }
    ctx.info(
        (role.equals(RootRole.ROOT) ? "keys" : "targets keys")
            + " added to unsigned root.json saved to "
            + r.unsignedFile("root"));
    return ExitCodes.OK;
  }

  /** Shared body of {@code key remove} and {@code targets-key remove}. */
  static int removeKeys(
      CliContext ctx, String repoName, String role, List<String> names, List<String> ids) {
    if (names.isEmpty() && ids.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "give -k <name> and/or --key-id <id>", null);
    }
    Repository r = ctx.repo(repoName);
    LinkedHashSet<String> remove = new LinkedHashSet<>();
    for (String id : ids) {
      if (!KEY_ID.matcher(id).matches()) {
        throw new CliException(
            ExitCodes.USAGE, "--key-id: \"" + id + "\" is not 64 lower-case hex characters", null);
      }
      remove.add(id);
    }
    for (String n : names) {
      remove.add(r.keys().publicKey(n).keyId());
    }
    try (RepoLock lock = r.lock()) {
      RootRole root = r.unsignedRoot();
      List<String> present = root.role(role).keyIds();
      for (String id : remove) {
        if (!present.contains(id)) {
          ctx.warn("key " + id + " is not in the " + role + " role");
        }
      }
      RootRole edited = root.withKeysRemoved(role, remove);
      RootRole.RoleKeys left = edited.role(role);
      if (left.keyIds().size() < left.threshold()) {
        ctx.warn(
            "the "
                + role
                + " role now has "
                + left.keyIds().size()
                + " key(s) but threshold "
                + left.threshold()
                + "; it can no longer be signed");
      }
      writeUnsigned(r, edited);
    }
    ctx.info(
        (role.equals(RootRole.ROOT) ? "keys" : "targets keys")
            + " removed from unsigned root.json saved to "
            + r.unsignedFile("root"));
    return ExitCodes.OK;
  }

  /** {@code add -k <name>…}: shared by {@code root key} and {@code root targets-key}. */
  abstract static class AddKeys implements Callable<Integer> {
    private final CliContext ctx;
    private final String role;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key name in keys/ (repeatable).")
    List<String> names;

    AddKeys(CliContext ctx, String role) {
      this.ctx = ctx;
      this.role = role;
    }

    @Override
    public Integer call() {
      return addKeys(ctx, repo.repo, role, names);
    }
  }

  /** {@code remove -k <name>… --key-id <id>…}: shared by both key groups. */
  abstract static class RemoveKeys implements Callable<Integer> {
    private final CliContext ctx;
    private final String role;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        paramLabel = "<name>",
        description = "Key name in keys/ (repeatable).")
    List<String> names = new ArrayList<>();

    @Option(names = "--key-id", paramLabel = "<id>", description = "Key ID (repeatable).")
    List<String> ids = new ArrayList<>();

    RemoveKeys(CliContext ctx, String role) {
      this.ctx = ctx;
      this.role = role;
    }

    @Override
    public Integer call() {
      return removeKeys(ctx, repo.repo, role, names, ids);
    }
  }

  @Command(
      name = "key",
      description = "Add or remove keys of the root role in the unsigned root.json.",
      subcommands = {Key.Add.class, Key.Remove.class})
  static final class Key {
    @Command(
        name = "add",
        description =
            "Add keys/<name>.pub to the root role (threshold unchanged). Token keys work the"
                + " same: their .pub is in keys/.")
    static final class Add extends AddKeys {
      Add(CliContext ctx) {
        super(ctx, RootRole.ROOT);
      }
    }

    @Command(
        name = "remove",
        description =
            "Remove keys from the root role (threshold unchanged); keys no role references any"
                + " more are dropped from root.json.")
    static final class Remove extends RemoveKeys {
      Remove(CliContext ctx) {
        super(ctx, RootRole.ROOT);
      }
    }
  }

  @Command(
      name = "targets-key",
      description = "Add or remove keys of the targets role in the unsigned root.json.",
      subcommands = {TargetsKey.Add.class, TargetsKey.Remove.class})
  static final class TargetsKey {
    @Command(
        name = "add",
        description = "Add keys/<name>.pub (file or token key) to the targets role.")
    static final class Add extends AddKeys {
      Add(CliContext ctx) {
        super(ctx, RootRole.TARGETS);
      }
    }

    @Command(name = "remove", description = "Remove keys from the targets role.")
    static final class Remove extends RemoveKeys {
      Remove(CliContext ctx) {
        super(ctx, RootRole.TARGETS);
      }
    }
  }

  @Command(
      name = "sign",
      description = {
        "Sign the unsigned root into roles/root.json.",
        "With -k: version = unsigned version + 1, expiry from --expires / --expire-after, else"
            + " the unsigned file's; one signature per key (file or token keys). A new root"
            + " needs signatures by the old and the new root keys.",
        "With --signatures: attach signatures made elsewhere over 'root get-unsigned' (no"
            + " version or expiry change); --old-root-alias / -k keys sign the same bytes.",
        "Refuses a version that skips one relative to roles/root.json."
      })
  static final class Sign implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        paramLabel = "<name>",
        description = "Key in keys/ to sign with, file or token key (repeatable).")
    List<String> names = new ArrayList<>();

    @Option(
        names = "--old-root-alias",
        paramLabel = "<name>",
        description = "The previous root key in keys/ (file or token key); signs as well.")
    String oldRootAlias;

    @Option(
        names = "--signatures",
        paramLabel = "<name=b64,…>",
        description = "External signatures over 'root get-unsigned', by keys/<name>.pub (base64).")
    String signatures;

    @Mixin ExpiryOptions expiry;

    Sign(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      List<String> local = new ArrayList<>(new LinkedHashSet<>(names));
      if (oldRootAlias != null && !local.contains(oldRootAlias)) {
        local.add(oldRootAlias);
      }
      Map<String, String> sigs = signatures == null ? null : SignaturesOption.parse(signatures);
      if (sigs == null) {
        if (local.isEmpty()) {
          throw new CliException(
              ExitCodes.USAGE, "root sign needs -k <key>, --old-root-alias or --signatures", null);
        }
        expiry.check();
      } else if (expiry.given()) {
        ctx.warn("--expires/--expire-after are ignored with --signatures");
      }
      Repository r = ctx.repo(repo.repo);
      SignedMetadata out;
      try (RepoLock lock = r.lock()) {
        RootRole root = r.unsignedRoot();
        if (sigs == null) {
          Instant now = ctx.clock().instant();
          root =
              root.withVersion(root.nextVersion()).withExpires(expiry.resolve(root.expires(), now));
        }
        RootRole finalRoot =
            RootRole.of(root.reencoded(), r.unsignedFile("root").toString()).requireValid();
        Optional<SignedMetadata> previous = r.signedRole("root");
        checkVersion(r, previous, finalRoot.version());
        out = SignedMetadata.unsigned(finalRoot.reencoded());
        if (sigs != null) {
          io.garagehsm.metadata.AsciiContent.require(out.signed(), "signed");
          byte[] data = out.canonicalSigned();
          for (Map.Entry<String, String> e : sigs.entrySet()) {
            out =
                out.withSignature(
                    ExternalSignature.verify(r.keys(), e.getKey(), e.getValue(), data));
          }
        }
        if (!local.isEmpty()) {
          // one key at a time: keys on tokens that are never plugged in together
          List<Threshold> needed = Threshold.forRootSign(finalRoot, previous);
          out =
              KeyholderSigning.sign(
                  out,
                  local,
                  new KeyholderSigning.Keyholders(
                      r.keys(),
                      n -> ctx.signer(r.keys(), n),
                      uri -> ctx.tokens().present(uri),
                      ctx.prompter(),
                      ctx::info),
                  md -> Threshold.progress(needed, md.signatures(), md.canonicalSigned()));
        }
        warnThresholds(finalRoot, previous, out);
        r.writeSignedRole("root", out);
      }
      ctx.info("signed root.json saved to " + r.signedFile("root"));
      return ExitCodes.OK;
    }

    private void checkVersion(Repository r, Optional<SignedMetadata> previous, int version) {
      if (previous.isEmpty()) {
        return;
      }
      int prev = previous.get().version();
      if (prev >= 0 && version > prev + 1) {
        throw new CliException(
            ExitCodes.OTHER,
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
        ctx.warn(
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
        ctx.warn("root.json is not yet signed by its own root role: " + self.describe());
      }
      if (previous.isPresent()) {
        try {
          RootRole prev = RootRole.of(previous.get(), "roles/root.json");
          SignedMetadata.Verification old = prev.verify(out, RootRole.ROOT);
          if (!old.thresholdMet()) {
            ctx.warn(
                "root.json is not signed by enough keys of the previous root (version "
                    + prev.version()
                    + "): "
                    + old.describe()
                    + "; the server and devices will refuse it until you add them");
          }
        } catch (RuntimeException e) {
          ctx.warn("cannot check the previous root's signatures: " + e.getMessage());
        }
      }
    }
  }

  @Command(name = "increment-version", description = "Add 1 to the unsigned root's version.")
  static final class IncrementVersion implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    IncrementVersion(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      try (RepoLock lock = r.lock()) {
        RootRole root = r.unsignedRoot();
        writeUnsigned(r, root.withVersion(root.nextVersion()));
      }
      ctx.info("Version incremented for unsigned root.json saved to " + r.unsignedFile("root"));
      return ExitCodes.OK;
    }
  }

  /** {@code verify-root -r <repo> -i <file>} (hidden, as in garage-sign). */
  @Command(
      name = "verify-root",
      hidden = true,
      description = "Check a root.json's signatures against its own root role.")
  static final class VerifyRoot implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<file>",
        description = "Signed root.json to check.")
    java.nio.file.Path input;

    VerifyRoot(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      ctx.repo(repo.repo);
      SignedMetadata md =
          SignedMetadata.fromJson(io.garagehsm.metadata.MetadataJson.read(input), input.toString());
      RootRole root = RootRole.of(md, input.toString()).requireValid();
      SignedMetadata.Verification v = root.verify(md, RootRole.ROOT);
      if (!v.thresholdMet()) {
        throw new CliException(
            ExitCodes.OTHER,
            input + " is not validly signed by its root role: " + v.describe(),
            null);
      }
      ctx.info(input + " is valid: " + v.describe());
      return ExitCodes.OK;
    }
  }
}
