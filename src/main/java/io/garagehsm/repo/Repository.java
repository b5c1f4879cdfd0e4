package io.garagehsm.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.InputFile;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.StreamedEnvelope;
import io.garagehsm.metadata.StreamedTargets;
import io.garagehsm.metadata.TargetsRole;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A garage-sign repository on disk, {@code <home>/<name>/} (compat spec §3.1). Every write is
 * atomic; commands that write take {@link #lock()} first.
 */
public final class Repository {
  private final String name;
  private final Path dir;
  private volatile KeyDirectory keys;

  private Repository(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  /** The repository folder for {@code name}, which need not exist yet (for {@code init}). */
  public static Repository at(Path home, String name) {
    if (!KeyDirectory.isPlainName(name) || name.contains("..") || name.equals("user-keys")) {
      throw new RepoException(
          "invalid repository name '" + name + "'",
          "use letters, digits, '.', '_' and '-' (not 'user-keys')");
    }
    return new Repository(name, home.resolve(name));
  }

  /** An initialised repository; the error says how to create it otherwise. */
  public static Repository open(Path home, String name) {
    Repository r = at(home, name);
    if (!Files.isDirectory(home)) {
      throw new RepoException(
          "repository '"
              + name
              + "' is not initialised: the home folder "
              + home
              + " does not exist",
          "pass --home-dir <folder holding "
              + name
              + "/>, or run from the folder holding"
              + " tuf/ (the default home)");
    }
    if (!Files.isRegularFile(r.configFile())) {
      throw new RepoException(
          "repository '" + name + "' is not initialised: " + r.configFile() + " does not exist",
          "run 'init -r " + name + " -c <credentials.zip>' first, or pass --home-dir");
    }
    return r;
  }

  public String name() {
    return name;
  }

  public Path dir() {
    return dir;
  }

  public Path configFile() {
    return dir.resolve("config.json");
  }

  public Path credentialsZip() {
    return dir.resolve("credentials.zip");
  }

  public Path keysDir() {
    return dir.resolve("keys");
  }

  public Path rolesDir() {
    return dir.resolve("roles");
  }

  public Path unsignedDir() {
    return rolesDir().resolve("unsigned");
  }

  /**
   * {@code keys/}: one instance per Repository (a command's), so that a public key the command
   * reads more than once is read once.
   */
  public KeyDirectory keys() {
    KeyDirectory k = keys;
    if (k == null) {
      k = new KeyDirectory(keysDir());
      keys = k;
    }
    return k;
  }

  /** Exclusive lock on this repository; fails at once if another run holds it. */
  public RepoLock lock() {
    AtomicFiles.createPrivateDir(dir);
    return RepoLock.acquire(dir, name);
  }

  /**
   * Refuses an output path that lies inside this repository's folder (symbolic links resolved),
   * e.g. {@code export-credentials -o roles/root.json}: a command's output never replaces the
   * repository's own files.
   */
  public void refuseOutputInside(Path output, String option) {
    Path parent = output.toAbsolutePath().normalize().getParent();
    Path resolved = output.toAbsolutePath().normalize();
    Path repoDir = dir.toAbsolutePath().normalize();
    try {
      repoDir = dir.toRealPath();
      // the nearest existing ancestor decides where the output really lands
      Path existing = parent;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null) {
        resolved = existing.toRealPath().resolve(existing.relativize(resolved));
      }
    } catch (IOException e) {
      // fall back to the normalised paths
    }
    if (resolved.startsWith(repoDir)) {
      throw new RepoException(
          option
              + " "
              + output
              + " is inside the repository '"
              + name
              + "' ("
              + repoDir
              + "); it would overwrite or add to the repository's own files",
          "write the file outside " + repoDir);
    }
  }

  public RepoConfig config() {
    JsonNode n = MetadataJson.read(configFile(), InputFile.SMALL_FILE_MAX, "config.json");
    if (!n.isObject()) {
      throw new RepoException(configFile() + " must hold a JSON object", null);
    }
    return new RepoConfig((ObjectNode) n);
  }

  public void writeConfig(RepoConfig c) {
    AtomicFiles.write(configFile(), MetadataJson.pretty(c.json()), AtomicFiles.PUBLIC);
  }

  /** {@code roles/<role>.json}, the signed envelope. */
  public Path signedFile(String role) {
    return rolesDir().resolve(role + ".json");
  }

  /** {@code roles/unsigned/<role>.json}, the signed part only. */
  public Path unsignedFile(String role) {
    return unsignedDir().resolve(role + ".json");
  }

  public Path targetsChecksumFile() {
    return rolesDir().resolve("targets.json.checksum");
  }

  public Optional<SignedMetadata> signedRole(String role) {
    Path f = signedFile(role);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    return Optional.of(SignedMetadata.fromJson(MetadataJson.read(f), f.toString()));
  }

  /** Writes roles/&lt;role&gt;.json atomically from a stream of its file form (large roles). */
  public void writeSignedRole(String role, AtomicFiles.Content content) {
    ensureRoleDirs();
    AtomicFiles.write(signedFile(role), AtomicFiles.PUBLIC, content);
  }

  /**
   * {@code roles/<role>.json}; when there is none, a failure naming it with {@code hint} (how to
   * make it).
   */
  public SignedMetadata requireSignedRole(String role, String hint) {
    return signedRole(role)
        .orElseThrow(() -> new RepoException(signedFile(role) + " does not exist", hint));
  }

  public void writeSignedRole(String role, SignedMetadata md) {
    ensureRoleDirs();
    ObjectNode json = md.toJson();
    AtomicFiles.write(signedFile(role), AtomicFiles.PUBLIC, new PrettyJson(json));
  }

  public Optional<ObjectNode> unsignedRole(String role) {
    Path f = unsignedFile(role);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    JsonNode n = MetadataJson.read(f);
    if (!n.isObject()) {
      throw new RepoException(f + " must hold a JSON object", null);
    }
    return Optional.of((ObjectNode) n);
  }

  /** The unsigned targets role, decoded as ota-tuf's codec does; says how to get one if absent. */
  public TargetsRole unsignedTargets() {
    ObjectNode n = unsignedRole("targets").orElseThrow(this::noUnsignedTargets);
    return TargetsRole.of(n, unsignedFile("targets").toString());
  }

  /**
   * The unsigned targets role read by streaming ({@code targets sign}: no tree of a large file),
   * with the same checks and errors as {@link #unsignedTargets()}.
   */
  public StreamedTargets unsignedTargetsStreamed() {
    Path f = unsignedFile("targets");
    if (!Files.isRegularFile(f)) {
      throw noUnsignedTargets();
    }
    return StreamedTargets.read(f);
  }

  private RepoException noUnsignedTargets() {
    return new RepoException(
        unsignedFile("targets") + " does not exist",
        "run 'targets pull -r "
            + name
            + "', or 'targets init -r "
            + name
            + " --version <n> --expires <date>'");
  }

  /** The unsigned root role; says how to get one if absent. */
  public RootRole unsignedRoot() {
    Optional<ObjectNode> n = unsignedRole("root");
    if (n.isEmpty()) {
      throw new RepoException(
          unsignedFile("root") + " does not exist", "run 'root pull -r " + name + "' first");
    }
    return RootRole.of(n.get(), unsignedFile("root").toString());
  }

  public void writeUnsignedRole(String role, ObjectNode signed) {
    ensureRoleDirs();
    AtomicFiles.write(unsignedFile(role), AtomicFiles.PUBLIC, new PrettyJson(signed));
  }

  /**
   * roles/&lt;role&gt;.json read by streaming (a large targets role is never built as a tree), with
   * the errors of {@link #requireSignedRole}; {@code canonical} as in {@link
   * StreamedEnvelope#read}.
   */
  public StreamedEnvelope requireSignedRoleStreamed(String role, String hint, boolean canonical) {
    Path f = signedFile(role);
    if (!Files.isRegularFile(f)) {
      throw new RepoException(f + " does not exist", hint);
    }
    return StreamedEnvelope.read(f, f.toString(), canonical);
  }

  /** Writes roles/unsigned/&lt;role&gt;.json atomically from a stream of its file form. */
  public void writeUnsignedRole(String role, AtomicFiles.Content content) {
    ensureRoleDirs();
    AtomicFiles.write(unsignedFile(role), AtomicFiles.PUBLIC, content);
  }

  /**
   * A private scratch file in roles/ for a large body of {@code role} (see {@link
   * AtomicFiles#scratch}); the caller deletes it.
   */
  public Path scratchFile(String role, String purpose) {
    ensureRoleDirs();
    return AtomicFiles.scratch(signedFile(role), purpose);
  }

  /** The checksum saved by the last targets pull (or push), if any. */
  public Optional<String> targetsChecksum() {
    Path f = targetsChecksumFile();
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    String s =
        new String(
                InputFile.read(f, InputFile.SMALL_FILE_MAX, "a checksum file"),
                StandardCharsets.US_ASCII)
            .trim();
    if (!Hex64.SHAPE.matcher(s).matches()) {
      throw new RepoException(
          f + " does not hold a 64-hex checksum", "run 'targets pull -r " + name + "'");
    }
    return Optional.of(s);
  }

  public void writeTargetsChecksum(String checksum) {
    ensureRoleDirs();
    AtomicFiles.write(
        targetsChecksumFile(), checksum.getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);
  }

  /** Creates {@code <repo>/}, {@code roles/} and {@code roles/unsigned/} with mode 0700. */
  public void ensureRoleDirs() {
    AtomicFiles.createPrivateDir(dir);
    AtomicFiles.createPrivateDir(rolesDir());
    AtomicFiles.createPrivateDir(unsignedDir());
  }

  /**
   * A role's pretty-printed file form. Classes rather than lambdas and a regular expression
   * compiled only when used, on root sign's path: a short command pays each lambda's first call
   * (its bootstrap) and each expression's compilation.
   */
  private record PrettyJson(JsonNode json) implements AtomicFiles.Content {
    @Override
    public void writeTo(OutputStream out) throws IOException {
      MetadataJson.writePretty(json, out);
    }
  }

  /** A SHA-256 checksum file's content. */
  private static final class Hex64 {
    static final Pattern SHAPE = Pattern.compile("[0-9a-f]{64}");

    private Hex64() {}
  }
}
