package io.garagehsm.ops.ceremony;

import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufSignature;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One threshold a signed role must meet, as the server and aktualizr check it: for a new root both
 * "new root" (its own root role) and "previous root" (the trusted root's root role); for targets
 * the trusted root's targets role.
 *
 * @param name for people: {@code new root}, {@code previous root}, {@code targets}
 * @param keyIds the role's key IDs
 * @param threshold signatures by distinct keys needed
 * @param keys the public keys of {@code keyIds}
 */
public record Threshold(String name, List<String> keyIds, int threshold, Map<String, TufKey> keys) {

  public Threshold {
    keyIds = List.copyOf(keyIds);
    keys = Map.copyOf(keys);
  }

  /** What a role's signed content must carry. */
  public static List<Threshold> required(String role, RootRole newRoot, RootRole trusted) {
    List<Threshold> out = new ArrayList<>();
    if (role.equals(RootRole.ROOT)) {
      out.add(of("new root", newRoot, RootRole.ROOT));
      out.add(of("previous root", trusted, RootRole.ROOT));
    } else {
      out.add(of("targets", trusted, RootRole.TARGETS));
    }
    return out;
  }

  private static Threshold of(String name, RootRole root, String role) {
    RootRole.RoleKeys rk = root.role(role);
    Map<String, TufKey> all = root.keys();
    Map<String, TufKey> keys = new java.util.LinkedHashMap<>();
    for (String id : rk.keyIds()) {
      if (all.containsKey(id)) {
        keys.put(id, all.get(id));
      }
    }
    return new Threshold(name, rk.keyIds(), rk.threshold(), keys);
  }

  /** Distinct role keys with a signature that verifies over {@code data}. */
  public Set<String> validSigners(List<TufSignature> sigs, byte[] data) {
    Set<String> valid = new LinkedHashSet<>();
    for (TufSignature s : sigs) {
      TufKey k = keys.get(s.keyId());
      if (k != null
          && keyIds.contains(s.keyId())
          && s.method() == k.type().method()
          && s.method().verify(k.publicKey(), data, s.sig())) {
        valid.add(s.keyId());
      }
    }
    return valid;
  }

  /** The valid signatures that count towards the threshold: at most the threshold. */
  public int counted(List<TufSignature> sigs, byte[] data) {
    return Math.min(validSigners(sigs, data).size(), Math.max(threshold, 0));
  }

  /**
   * The thresholds {@code root sign} reports: the new root's own root role, and the previous root's
   * when {@code previous} is the version before {@code newRoot}. A roles/root.json of the same or a
   * later version (a root signed again) is not the previous root: the new root only, then.
   */
  public static List<Threshold> forRootSign(RootRole newRoot, Optional<SignedMetadata> previous) {
    if (previous.isPresent() && previous.get().version() == newRoot.version() - 1) {
      try {
        return required(RootRole.ROOT, newRoot, RootRole.of(previous.get(), "roles/root.json"));
      } catch (RuntimeException e) {
        // an unreadable previous root: progress against the new root only
      }
    }
    return List.of(of("new root", newRoot, RootRole.ROOT));
  }

  public boolean met(List<TufSignature> sigs, byte[] data) {
    return threshold >= 1 && validSigners(sigs, data).size() >= threshold;
  }

  /**
   * {@code new root: 2 of 3 signatures; previous root: 1 of 1}: per threshold, the valid signatures
   * that count towards it, of those it needs. Signatures beyond the threshold do not count (a
   * rotation that keeps the old key in a 1-of-2 new root, signed by both, is "1 of 1", not "2 of
   * 1").
   */
  public static String progress(List<Threshold> ts, List<TufSignature> sigs, byte[] data) {
    StringBuilder b = new StringBuilder();
    for (Threshold t : ts) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(t.name())
          .append(": ")
          .append(t.counted(sigs, data))
          .append(" of ")
          .append(t.threshold());
      if (b.indexOf("signatures") < 0) {
        b.append(" signatures");
      }
    }
    return b.toString();
  }

  public static boolean allMet(List<Threshold> ts, List<TufSignature> sigs, byte[] data) {
    return ts.stream().allMatch(t -> t.met(sigs, data));
  }
}
