package io.garagehsm.secret;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The PIN precedence of garage-hsm: {@code --pin-file}, {@code --pin-env NAME}, the URI's {@code
 * pin-source}, environment variable {@code GARAGE_HSM_PIN}, then an interactive prompt without
 * echo. The first configured source wins; a configured source that fails (missing file, unset
 * variable) is an error rather than a silent fall-through, so a typo never leads to a prompt.
 */
public final class PinSources implements SecretSource {
  /** PINs are short (PKCS#11 tokens allow at most a few hundred bytes); PIN files too. */
  static final int MAX_PIN_FILE = 4096;

  /** Environment variable consulted after the explicit options. */
  public static final String PIN_ENV = "GARAGE_HSM_PIN";

  private static final String HOW_TO =
      "supply a PIN with --pin-file <path>, --pin-env <NAME>, pin-source=file:<path> in the"
          + " pkcs11: URI, or the GARAGE_HSM_PIN environment variable";

  private final Path pinFile;
  private final String pinEnv;
  private final String uriPinSource;
  private final Map<String, String> env;
  private final PasswordPrompt prompt;
  private final Consumer<String> warnings;

  private PinSources(Builder b) {
    this.pinFile = b.pinFile;
    this.pinEnv = b.pinEnv;
    this.uriPinSource = b.uriPinSource;
    this.env = Map.copyOf(b.env);
    this.prompt = b.prompt;
    this.warnings = b.warnings;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public SecretSource withUriPinSource(String pinSource) {
    if (pinSource == null) {
      return this;
    }
    Builder b = toBuilder();
    b.uriPinSource = pinSource;
    return b.build();
  }

  @Override
  public Secret secret(String purpose) {
    if (pinFile != null) {
      return readPinFile(pinFile, "--pin-file");
    }
    if (pinEnv != null) {
      return fromEnv(pinEnv, "--pin-env " + pinEnv);
    }
    if (uriPinSource != null) {
      return readPinFile(pinSourcePath(uriPinSource), "pin-source in the pkcs11: URI");
    }
    if (env.containsKey(PIN_ENV)) {
      return fromEnv(PIN_ENV, "environment variable " + PIN_ENV);
    }
    if (!prompt.interactive()) {
      throw new SecretUnavailableException(
          "the " + purpose + " is needed but there is no console to ask on; " + HOW_TO);
    }
    // An empty entry or end of input (Ctrl-D) never reaches the token: either would spend a try.
    for (int attempt = 0; attempt < 3; attempt++) {
      char[] typed = prompt.readPassword("Enter " + purpose + ": ");
      if (typed == null) {
        throw new SecretUnavailableException(
            "no " + purpose + " entered (end of input); nothing was sent to the token");
      }
      if (typed.length > 0) {
        return Secret.adopt(typed);
      }
      warnings.accept(
          "note: an empty PIN is not sent to the token; type the PIN, or Ctrl-D to stop");
    }
    throw new SecretUnavailableException(
        "no " + purpose + " entered (empty three times); nothing was sent to the token");
  }

  @Override
  public java.util.Optional<String> nonInteractiveIdentity() {
    if (pinFile != null) {
      return java.util.Optional.of(fileIdentity(pinFile));
    }
    if (pinEnv != null) {
      return java.util.Optional.of("env:" + pinEnv);
    }
    if (uriPinSource != null) {
      try {
        return java.util.Optional.of(fileIdentity(pinSourcePath(uriPinSource)));
      } catch (SecretUnavailableException e) {
        return java.util.Optional.of("pin-source:" + uriPinSource);
      }
    }
    if (env.containsKey(PIN_ENV)) {
      return java.util.Optional.of("env:" + PIN_ENV);
    }
    return java.util.Optional.empty();
  }

  @Override
  public Availability availability() {
    if (pinFile != null) {
      return fileAvailability(pinFile, "--pin-file " + pinFile);
    }
    if (pinEnv != null) {
      return envAvailability(pinEnv, "--pin-env " + pinEnv);
    }
    if (uriPinSource != null) {
      try {
        Path p = pinSourcePath(uriPinSource);
        return fileAvailability(p, "pin-source " + p + " (from the pkcs11: URI)");
      } catch (SecretUnavailableException e) {
        return new Availability("pin-source " + uriPinSource, false, e.getMessage());
      }
    }
    if (env.containsKey(PIN_ENV)) {
      return envAvailability(PIN_ENV, "environment variable " + PIN_ENV);
    }
    return prompt.interactive()
        ? new Availability("the interactive prompt", true, null)
        : new Availability(
            "the interactive prompt", false, "there is no console to ask on; " + HOW_TO);
  }

  /** Whether a PIN file can be read, from its metadata only: the PIN itself is never read. */
  private static Availability fileAvailability(Path file, String source) {
    if (!Files.exists(file)) {
      return new Availability(source, false, "the file does not exist");
    }
    if (!Files.isRegularFile(file)) {
      return new Availability(source, false, "it is not a regular file");
    }
    if (!Files.isReadable(file)) {
      return new Availability(source, false, "the file is not readable by this user");
    }
    try {
      long size = Files.size(file);
      if (size == 0) {
        return new Availability(source, false, "the file is empty");
      }
      if (size > MAX_PIN_FILE) {
        return new Availability(
            source, false, "the file is larger than " + MAX_PIN_FILE + " bytes");
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        return new Availability(source, true, "readable by group or others: run chmod 600 " + file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // size or mode unknown: readable was checked above
    }
    return new Availability(source, true, null);
  }

  private Availability envAvailability(String name, String source) {
    String value = env.get(name);
    return value == null || value.isEmpty()
        ? new Availability(source, false, "the variable is unset or empty")
        : new Availability(source, true, null);
  }

  /** A PIN file by absolute path and modification time: editing it makes it a new source. */
  private static String fileIdentity(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    try {
      return "file:" + abs + " modified " + Files.getLastModifiedTime(abs).toInstant();
    } catch (IOException e) {
      return "file:" + abs + " (unreadable)";
    }
  }

  private Secret fromEnv(String name, String origin) {
    String value = env.get(name);
    if (value == null || value.isEmpty()) {
      throw new SecretUnavailableException(origin + ": the variable is unset or empty");
    }
    return Secret.adopt(value.toCharArray());
  }

  static Path pinSourcePath(String pinSource) {
    if (pinSource.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        return Path.of(URI.create(pinSource));
      } catch (IllegalArgumentException e) {
        // file:relative/path is not a hierarchical URI; treat the rest as a plain path.
        return Path.of(pinSource.substring(5));
      }
    }
    if (pinSource.contains(":") && !pinSource.startsWith("/") && pinSource.indexOf(':') > 1) {
      throw new SecretUnavailableException(
          "pin-source '" + pinSource + "' is not supported: use a file: URI or a path");
    }
    return Path.of(pinSource);
  }

  /** Reads the first line of a PIN file (trailing CR/LF stripped), warning on loose modes. */
  private Secret readPinFile(Path file, String origin) {
    // one buffer, filled in place and wiped below: no unwiped copies of the PIN, and a huge or
    // endless file (/dev/zero) stops at the limit
    byte[] bytes = new byte[MAX_PIN_FILE + 1];
    int length = 0;
    try {
      warnIfReadableByOthers(file);
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        while (length < bytes.length && (n = in.read(bytes, length, bytes.length - length)) > 0) {
          length += n;
        }
      }
    } catch (IOException e) {
      Arrays.fill(bytes, (byte) 0);
      throw new SecretUnavailableException(
          origin + ": cannot read PIN file " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
    try {
      if (length > MAX_PIN_FILE) {
        throw new SecretUnavailableException(
            origin
                + ": PIN file "
                + file
                + " is larger than "
                + MAX_PIN_FILE
                + " bytes; a PIN file holds the PIN on its first line");
      }
      int end = 0;
      while (end < length && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
      char[] pin = new char[chars.remaining()];
      chars.get(pin);
      Arrays.fill(chars.array(), '\0');
      if (pin.length == 0) {
        throw new SecretUnavailableException(origin + ": PIN file " + file + " is empty");
      }
      return Secret.adopt(pin);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private void warnIfReadableByOthers(Path file) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        warnings.accept(
            "warning: PIN file " + file + " is readable by group or others; run chmod 600 " + file);
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): nothing to check.
    }
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.pinFile = pinFile;
    b.pinEnv = pinEnv;
    b.uriPinSource = uriPinSource;
    b.env = env;
    b.prompt = prompt;
    b.warnings = warnings;
    return b;
  }

  /** Builds a {@link PinSources}; by default: process environment and the system console. */
  public static final class Builder {
    private Path pinFile;
    private String pinEnv;
    private String uriPinSource;
    private Map<String, String> env = System.getenv();
    private PasswordPrompt prompt = PasswordPrompt.systemConsole();
    private Consumer<String> warnings = System.err::println;

    private Builder() {}

    /** {@code --pin-file}: first line of the file. */
    public Builder pinFile(Path pinFile) {
      this.pinFile = pinFile;
      return this;
    }

    /** {@code --pin-env NAME}: the named environment variable. */
    public Builder pinEnv(String variableName) {
      this.pinEnv = variableName;
      return this;
    }

    /** {@code pin-source} from a {@code pkcs11:} URI. */
    public Builder uriPinSource(String pinSource) {
      this.uriPinSource = pinSource;
      return this;
    }

    public Builder environment(Map<String, String> env) {
      this.env = env;
      return this;
    }

    public Builder prompt(PasswordPrompt prompt) {
      this.prompt = prompt;
      return this;
    }

    /** Where warnings (e.g. a group-readable PIN file) go; stderr by default, never stdout. */
    public Builder warnings(Consumer<String> warnings) {
      this.warnings = warnings;
      return this;
    }

    public PinSources build() {
      return new PinSources(this);
    }
  }
}
