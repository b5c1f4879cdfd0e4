package io.garagehsm.repo;

import io.garagehsm.metadata.InputFile;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenSignerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A folder of named keys: {@code <name>.pub}, and either {@code <name>.sec} (file key) or {@code
 * <name>.pkcs11} (token key reference). A repository's {@code keys/} or {@code user-keys/}.
 */
public final class KeyDirectory {
  private final Path dir;
  // <name>.pub as read by this instance, which lives for one command (Repository.keys()): a
  // command asks for the same public key several times (the root check, the signer, the
  // transcript's key names); its own writes replace the entry
  private final Map<String, TufKey> publicKeys = new ConcurrentHashMap<>();
  // <name>.sec as last parsed by this instance, with the bytes it was parsed from: a root sign's
  // later file key is parsed on the thread that signs it ahead of its turn (SignatureAhead), and
  // its
  // turn reads the file again but parses it only if the bytes changed (an RSA-4096 key's parse and
  // check cost a short command a few milliseconds)
  private final Map<String, ParsedPair> keyPairs = new ConcurrentHashMap<>();

  private record ParsedPair(byte[] file, TufKey publicKey, TufKeyPair pair) {}

  public KeyDirectory(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Rejects names that would escape the folder or clash with file suffixes. */
  public static String checkName(String name) {
    if (!isPlainName(name) || name.contains("..")) {
      throw new RepoException(
          "invalid key name '" + name + "'",
          "use letters, digits, '.', '_' and '-' (no '/', no '..', at most 128 characters)");
    }
    return name;
  }

  /**
   * {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}} (key and repository names), as a character loop: no
   * regular expression compiled on a short command's path.
   */
  static boolean isPlainName(String name) {
    int n = name.length();
    if (n < 1 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      boolean alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  public Path publicFile(String name) {
    return dir.resolve(checkName(name) + ".pub");
  }

  public Path privateFile(String name) {
    return dir.resolve(checkName(name) + ".sec");
  }

  public Path referenceFile(String name) {
    return dir.resolve(checkName(name) + TokenReference.SUFFIX);
  }

  /** True when a key of that name exists in any form. */
  public boolean exists(String name) {
    return Files.exists(publicFile(name))
        || Files.exists(privateFile(name))
        || Files.exists(referenceFile(name));
  }

  /**
   * The public key {@code <name>.pub}; the error names the file and how to make it. Read once per
   * instance (until it writes the file): later calls return the key first read.
   */
  public TufKey publicKey(String name) {
    Path f = publicFile(name);
    TufKey known = publicKeys.get(name);
    if (known != null) {
      return known;
    }
    if (!Files.isRegularFile(f)) {
      throw new RepoException(
          "unknown key '" + name + "': " + f + " does not exist",
          "generate it with 'key generate -n "
              + name
              + "', or import it with 'user-keys importpub'");
    }
    TufKey k = TufKey.fromJson(readKeyFile(f), f.toString());
    publicKeys.put(name, k);
    return k;
  }

  /** Public keys for names, to put in a role; refuses key types no Uptane verifier accepts. */
  public List<TufKey> roleKeys(List<String> names) {
    List<TufKey> out = new ArrayList<>();
    for (String n : names) {
      TufKey k = publicKey(n);
      String reason = k.unusableForRolesReason();
      if (reason != null) {
        throw new RepoException(
            "key '" + n + "' (" + publicFile(n) + ") cannot be used: " + reason,
            "use an Ed25519 or RSA-2048/3072/4096 key");
      }
      out.add(k);
    }
    return out;
  }

  public boolean hasPrivateFile(String name) {
    return Files.isRegularFile(privateFile(name));
  }

  /**
   * Removes {@code <name>.sec} (overwritten with zeros, fsynced, unlinked); {@code <name>.pub}
   * stays. Returns false when there was no such file.
   */
  public boolean destroyPrivateFile(String name) {
    return AtomicFiles.overwriteAndDelete(privateFile(name));
  }

  /** The file key pair {@code <name>.sec} + {@code <name>.pub}. */
  public TufKeyPair keyPair(String name) {
    TufKey pub = publicKey(name);
    Path f = privateFile(name);
    byte[] file = InputFile.read(f, InputFile.SMALL_FILE_MAX, "a key file");
    ParsedPair known = keyPairs.get(name);
    if (known != null && known.publicKey() == pub && Arrays.equals(known.file(), file)) {
      return known.pair();
    }
    TufKeyPair pair =
        TufKeyPair.fromJson(MetadataJson.parse(file, f.toString()), pub, f.toString());
    keyPairs.put(name, new ParsedPair(file, pub, pair));
    return pair;
  }

  /** The token reference {@code <name>.pkcs11}, if this is a token key. */
  public Optional<TokenReference> tokenReference(String name) {
    Path f = referenceFile(name);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    return Optional.of(TokenReference.fromJson(readKeyFile(f), f.toString()));
  }

  /**
   * The signer for key {@code name}: the file key {@code <name>.sec}, or the token key named by
   * {@code <name>.pkcs11}. The token key must match the recorded key ID and {@code <name>.pub}.
   */
  public Signer signer(String name, TokenSignerFactory tokens) {
    if (hasPrivateFile(name)) {
      return new FileSigner(keyPair(name), privateFile(name).toString());
    }
    Optional<TokenReference> ref = tokenReference(name);
    if (ref.isPresent()) {
      TufKey pub = publicKey(name);
      if (!pub.keyId().equals(ref.get().keyId())) {
        throw new RepoException(
            referenceFile(name)
                + " expects key "
                + ref.get().keyId()
                + " but "
                + publicFile(name)
                + " holds "
                + pub.keyId(),
            "re-adopt the token key under this name");
      }
      return tokens.open(ref.get().uri(), pub, name);
    }
    if (Files.exists(publicFile(name))) {
      throw new RepoException(
          "key '" + name + "' has only a public key in " + dir + ", nothing to sign with",
          "sign elsewhere and pass --signatures, or use a name with a .sec file or a token key");
    }
    throw new RepoException(
        "unknown key '"
            + name
            + "': neither "
            + privateFile(name)
            + " nor "
            + referenceFile(name)
            + " exists",
        "generate it with 'key generate -n " + name + " [--token <pkcs11 URI>]'");
  }

  /**
   * The names of the keys in this folder by key ID ({@code <name>.pub} files, in name order; the
   * first name wins when two files hold the same key). Unreadable files name no key.
   */
  public java.util.Map<String, String> namesByKeyId() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    if (!Files.isDirectory(dir)) {
      return m;
    }
    java.util.List<Path> files = new java.util.ArrayList<>();
    // the names the glob "*.pub" gives, without compiling it to a regular expression, and a loop
    // rather than a lambda (a short command pays both on its first use)
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (p.getFileName().toString().endsWith(".pub")) {
          files.add(p);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    files.sort(null);
    for (Path p : files) {
      String n = p.getFileName().toString();
      n = n.substring(0, n.length() - ".pub".length());
      try {
        m.putIfAbsent(publicKey(n).keyId(), n);
      } catch (RuntimeException e) {
        // an unreadable or oddly named .pub names no key
      }
    }
    return m;
  }

  /**
   * Locks this folder against other garage-hsm runs that create keys in it (waiting up to a
   * minute), so "does the name exist?" and the write are one step: concurrent {@code user-keys gen
   * -k same} keeps one key and the other runs refuse.
   */
  public RepoLock lock() {
    ensureDir();
    return RepoLock.acquireWaiting(dir, dir.toString(), java.time.Duration.ofMinutes(1));
  }

  /** Writes a file key pair; {@code .sec} is 0600 before it holds anything. */
  public void writeKeyPair(String name, TufKeyPair pair) {
    ensureDir();
    AtomicFiles.write(
        privateFile(name), MetadataJson.pretty(pair.privateJson()), AtomicFiles.PRIVATE);
    writePublic(name, pair.publicKey());
  }

  /** Writes {@code <name>.pub}. */
  public void writePublic(String name, TufKey key) {
    ensureDir();
    publicKeys.remove(name);
    AtomicFiles.write(publicFile(name), MetadataJson.pretty(key.toJson()), AtomicFiles.PUBLIC);
  }

  /** Writes a token key: {@code <name>.pub} plus {@code <name>.pkcs11}, no private material. */
  public void writeTokenKey(String name, TufKey key, TokenReference ref) {
    ensureDir();
    AtomicFiles.write(referenceFile(name), MetadataJson.pretty(ref.toJson()), AtomicFiles.PUBLIC);
    writePublic(name, key);
  }

  /** Reads a file as UTF-8 text (PEM inputs and the like), at most 1 MiB. */
  public static String readText(Path file) {
    return new String(
        InputFile.read(file, InputFile.SMALL_FILE_MAX, "a key file"), StandardCharsets.UTF_8);
  }

  /** Key files are small: a 4096-bit RSA key pair is a few kilobytes. */
  static com.fasterxml.jackson.databind.JsonNode readKeyFile(Path f) {
    return MetadataJson.read(f, InputFile.SMALL_FILE_MAX, "a key file");
  }

  private void ensureDir() {
    AtomicFiles.createPrivateDir(dir);
  }
}
