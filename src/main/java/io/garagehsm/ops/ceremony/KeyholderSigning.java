package io.garagehsm.ops.ceremony;

import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.SignatureAhead;
import io.garagehsm.signing.Signer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Signs with several keys one keyholder at a time: keys on different tokens that are never plugged
 * in together. For each token key whose token is absent, a terminal asks for it ("insert token
 * 'label' (serial …) for key 'a', then press Enter"); without a terminal the run fails before any
 * signature, naming every missing token. After each signature {@code progress} reports the
 * thresholds.
 */
public final class KeyholderSigning {
  private KeyholderSigning() {}

  /**
   * How to reach keys and people.
   *
   * @param keys the key folder
   * @param open opens the signer of a key name
   * @param tokenPresent whether the token a key URI names is present now
   * @param prompter the terminal, or none
   * @param info progress lines (stderr)
   */
  public record Keyholders(
      KeyDirectory keys,
      Function<String, Signer> open,
      Predicate<String> tokenPresent,
      TokenPrompter prompter,
      Consumer<String> info) {}

  /** A key whose token is not plugged in. */
  record Missing(String keyName, String token) {
    String describe() {
      return token + " for key '" + keyName + "'";
    }
  }

  /** Signs {@code md} with every key in {@code names}, in order; returns the signed envelope. */
  public static SignedMetadata sign(
      SignedMetadata md,
      List<String> names,
      Keyholders k,
      Function<SignedMetadata, String> progress) {
    md.requireAscii();
    List<Missing> missing = new ArrayList<>();
    // one check per token: each check re-initialises the module
    Map<String, Boolean> presentByToken = new HashMap<>();
    for (String n : names) {
      Optional<String> uri = tokenUri(k.keys(), n);
      if (uri.isPresent()
          && !presentByToken.computeIfAbsent(
              tokenIdentity(uri.get()), t -> k.tokenPresent().test(uri.get()))) {
        missing.add(new Missing(n, tokenName(k.keys(), n)));
      }
    }
    if (!missing.isEmpty() && !k.prompter().interactive()) {
      List<String> d = new ArrayList<>();
      missing.forEach(m -> d.add(m.describe()));
      throw new CeremonyException(
          (missing.size() == 1 ? "token not present: " : "tokens not present: ")
              + String.join(", ", d)
              + "; nothing was signed or written",
          "plug in every token, or run on a terminal: garage-hsm then asks for each token in turn");
    }
    if (missing.isEmpty()) {
      return signAllPresent(md, names, k, progress);
    }
    SignedMetadata out = md;
    for (String n : names) {
      Optional<String> uri = tokenUri(k.keys(), n);
      if (uri.isPresent()) {
        // checked again for each key: the keyholder before may have taken another token out
        while (!k.tokenPresent().test(uri.get())) {
          String token = tokenName(k.keys(), n);
          if (!k.prompter()
              .await("insert token " + token + " for key '" + n + "', then press Enter ")) {
            throw new CeremonyException(
                "no answer while waiting for token "
                    + token
                    + " for key '"
                    + n
                    + "'; nothing written",
                "run 'root sign' again when the keyholder is ready");
          }
        }
      }
      try (Signer s = k.open().apply(n)) {
        out = MetadataSigner.sign(out, List.of(s));
      }
      k.info().accept("signed with key '" + n + "': " + progress.apply(out));
    }
    return out;
  }

  /**
   * Every token is plugged in: the signers stay open until the last signature, so keys on one token
   * share its session and its single login (a presence check re-initialises the module and would
   * cost a login per key).
   */
  private static SignedMetadata signAllPresent(
      SignedMetadata md,
      List<String> names,
      Keyholders k,
      Function<SignedMetadata, String> progress) {
    List<Signer> open = new ArrayList<>();
    List<SignatureAhead> ahead = aheadOfTurn(md, names, k.keys());
    try {
      SignedMetadata out = md;
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        Signer s = k.open().apply(n);
        open.add(s);
        SignatureAhead a = ahead.get(i);
        out = MetadataSigner.sign(out, List.of(a == null ? s : a.standIn(s)));
        k.info().accept("signed with key '" + n + "': " + progress.apply(out));
      }
      return out;
    } finally {
      for (Signer s : open) {
        s.close();
      }
    }
  }

  /**
   * For every file key after the first, its signature started now on its own thread (the signed
   * bytes do not change between keys); each key is still opened, reported and logged in its turn.
   */
  private static List<SignatureAhead> aheadOfTurn(
      SignedMetadata md, List<String> names, KeyDirectory keys) {
    List<SignatureAhead> ahead = new ArrayList<>();
    byte[] data = names.size() > 1 ? md.canonicalSigned() : null;
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      ahead.add(
          i > 0 && isFileKey(keys, n)
              ? SignatureAhead.start(new FileKeyLoad(keys, n), data)
              : null);
    }
    return ahead;
  }

  /**
   * Loads a file key on the thread that signs ahead (its parse is kept by the key folder for the
   * key's turn). A class, not a lambda: a lambda's first call costs a short run its bootstrap.
   */
  private static final class FileKeyLoad implements Supplier<FileSigner> {
    private final KeyDirectory keys;
    private final String name;

    FileKeyLoad(KeyDirectory keys, String name) {
      this.keys = keys;
      this.name = name;
    }

    @Override
    public FileSigner get() {
      return new FileSigner(keys.keyPair(name), keys.privateFile(name).toString());
    }
  }

  /** A bad name is not looked at here: its turn reports it. */
  private static boolean isFileKey(KeyDirectory keys, String name) {
    try {
      return keys.hasPrivateFile(name);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Optional<String> tokenUri(KeyDirectory keys, String name) {
    Optional<TokenReference> ref = reference(keys, name);
    return ref.isPresent() ? Optional.of(ref.get().uri()) : Optional.empty();
  }

  private static Optional<TokenReference> reference(KeyDirectory keys, String name) {
    if (keys.hasPrivateFile(name)) {
      return Optional.empty();
    }
    return keys.tokenReference(name);
  }

  /** {@code 'label' (serial …)}: the URI's serial, else the one recorded with the key. */
  private static String tokenName(KeyDirectory keys, String name) {
    TokenReference ref = reference(keys, name).orElseThrow();
    try {
      Pkcs11Uri u = Pkcs11Uri.parse(ref.uri());
      Optional<String> serial = u.serial().or(() -> Optional.ofNullable(ref.tokenSerial()));
      return "'" + u.token().orElse("?") + "'" + serial.map(s -> " (serial " + s + ")").orElse("");
    } catch (IllegalArgumentException e) {
      return ref.uri();
    }
  }

  /** The token a key URI names, without the object: keys on one token share it. */
  private static String tokenIdentity(String keyUri) {
    try {
      Pkcs11Uri u = Pkcs11Uri.parse(keyUri);
      return String.join(
          "\u0000",
          u.token().orElse(""),
          u.serial().orElse(""),
          u.modulePath().orElse(""),
          u.moduleName().orElse(""));
    } catch (IllegalArgumentException e) {
      return keyUri;
    }
  }
}
