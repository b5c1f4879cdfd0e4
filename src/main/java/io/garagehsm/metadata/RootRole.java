package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A read-only typed view of a root's {@code signed} object (compat spec §6.2), plus edits that
 * return a new {@code signed} tree. Unknown fields are carried along untouched.
 */
public final class RootRole {
  /** Role names garage-sign edits; the server may add others, which are kept. */
  public static final String ROOT = "root";

  public static final String TARGETS = "targets";

  private final ObjectNode signed;
  private final String what;
  // keys() parsed once: signed is never changed (the with… edits copy it), and a root sign asks
  // for the keys up to six times, each an RSA key factory run and a SHA-256 per key
  private volatile Map<String, TufKey> keys;

  private RootRole(ObjectNode signed, String what) {
    this.signed = signed;
    this.what = what;
  }

  /** Wraps a root {@code signed} object; errors name {@code what}. */
  public static RootRole of(JsonNode signed, String what) {
    if (signed == null || !signed.isObject()) {
      throw new MetadataException(what + " is not a root object");
    }
    if (!"root".equalsIgnoreCase(signed.path("_type").asText())) {
      throw new MetadataException(
          what + " is not a root role (_type is \"" + signed.path("_type").asText() + "\")");
    }
    if (!signed.path("roles").isObject() || !signed.path("keys").isObject()) {
      throw new MetadataException(what + " has no \"roles\" and \"keys\" objects");
    }
    return new RootRole((ObjectNode) signed.deepCopy(), what);
  }

  /** The view of an envelope's signed part. */
  public static RootRole of(SignedMetadata md, String what) {
    return of(md.signedView(), what);
  }

  /** A copy of the {@code signed} tree. */
  public ObjectNode json() {
    return signed.deepCopy();
  }

  /**
   * {@code version}; a value that is not an integer from 0 to 2^31-1 is refused, naming the file (a
   * literal like {@code 1e999} must not silently become 0).
   */
  public int version() {
    JsonNode v = signed.get("version");
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new MetadataException(
          what + ": \"version\" must be an integer from 1 to " + Integer.MAX_VALUE + ", not " + v,
          "write the version as a plain integer, e.g. \"version\": 1 (aktualizr reads an int)");
    }
    return v.intValue();
  }

  public Instant expires() {
    return Expiry.parse(signed.path("expires").asText(), what + " expires");
  }

  /**
   * All keys of {@code keys}, by key ID as written (not recomputed, as aktualizr does), in file
   * order; read-only.
   */
  public Map<String, TufKey> keys() {
    Map<String, TufKey> m = keys;
    if (m == null) {
      Map<String, TufKey> read = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = signed.get("keys").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        read.put(e.getKey(), TufKey.fromJson(e.getValue(), what + " key " + e.getKey()));
      }
      m = Collections.unmodifiableMap(read);
      keys = m;
    }
    return m;
  }

  /** Role names present. */
  public List<String> roleNames() {
    List<String> names = new ArrayList<>();
    // loops, not lambdas, on root sign's path: each lambda's first call costs a short run its
    // bootstrap (and a class spun at run time when the archive lacks it)
    for (Iterator<String> it = signed.get("roles").fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  /** The key IDs and threshold of a role; the error names the role. */
  public RoleKeys role(String name) {
    JsonNode r = signed.get("roles").get(name);
    if (r == null || !r.isObject()) {
      throw new MetadataException(what + " has no \"" + name + "\" role");
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode k : r.path("keyids")) {
      ids.add(k.asText());
    }
    return new RoleKeys(List.copyOf(ids), r.path("threshold").asInt(0));
  }

  /**
   * The form ota-tuf's codec gives after decoding and re-encoding (compat spec §2.3, §9.4): only
   * {@code keys}, {@code roles}, {@code version}, {@code expires}, {@code consistent_snapshot} and
   * {@code _type}; keys re-encoded in garage-sign's style (upper-case keytype, BouncyCastle PEM);
   * roles with only {@code keyids} and {@code threshold}; {@code expires} in whole seconds. Key IDs
   * are kept as written. This is what {@code root get-unsigned} prints and {@code root sign} signs.
   */
  public ObjectNode reencoded() {
    JsonNode cs = signed.get("consistent_snapshot");
    if (cs == null || !cs.isBoolean()) {
      throw new MetadataException(
          what + " has no boolean \"consistent_snapshot\" (ota-tuf requires it)",
          "add \"consistent_snapshot\" : false");
    }
    JsonNode v = signed.get("version");
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new MetadataException(what + " has no valid \"version\" (a non-negative integer)");
    }
    for (String name : roleNames()) {
      JsonNode t = signed.get("roles").get(name).path("threshold");
      if (!t.isIntegralNumber() || !t.canConvertToInt()) {
        throw invalid(
            "roles." + name + ".threshold must be an integer, not " + t,
            "write the threshold as a plain integer, e.g. \"threshold\": 1");
      }
    }
    ObjectNode o = MetadataJson.object();
    ObjectNode k = o.putObject("keys");
    for (Map.Entry<String, TufKey> e : keys().entrySet()) {
      k.set(e.getKey(), e.getValue().toJson());
    }
    ObjectNode r = o.putObject("roles");
    for (String name : roleNames()) {
      RoleKeys rk = role(name);
      ObjectNode ro = r.putObject(name);
      ArrayNode ids = ro.putArray("keyids");
      for (String id : rk.keyIds()) {
        ids.add(id);
      }
      ro.put("threshold", rk.threshold());
    }
    o.put("version", v.intValue());
    o.put("expires", Expiry.format(expires()));
    o.put("consistent_snapshot", cs.booleanValue());
    o.put("_type", "Root");
    return o;
  }

  /** The four roles every root needs: devices and the server look each one up. */
  public static final List<String> REQUIRED_ROLES = List.of(ROOT, TARGETS, "snapshot", "timestamp");

  /**
   * {@code [0-9a-f]{64}} (a character loop: no regular expression compiled on root sign's path).
   */
  static boolean isKeyId(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** {@code \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z} with ASCII digits, as a character loop. */
  static boolean isWholeSecondsUtc(String s) {
    String shape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.length() != shape.length()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      char want = shape.charAt(i);
      if (want == 'd' ? c < '0' || c > '9' : c != want) {
        return false;
      }
    }
    return true;
  }

  /**
   * Refuses a root that devices or the server would reject, or that would let one key count twice:
   * every required role present; each threshold an integer from 1 to the number of DISTINCT keys
   * the role lists; every listed key ID present in {@code keys}; every entry of {@code keys} under
   * its recomputed key ID (SHA-256 of the DER SubjectPublicKeyInfo, compat spec §7.1); version an
   * integer in 1..2^31-1; {@code expires} in whole seconds UTC. The error names the field and the
   * fix. Called wherever a root is signed, pushed or trusted.
   */
  public RootRole requireValid() {
    int version = version();
    if (version < 1) {
      throw invalid(
          "\"version\" must be an integer from 1 to " + Integer.MAX_VALUE + ", not " + version,
          "set \"version\" to the previous root's version (root sign adds 1)");
    }
    JsonNode exp = signed.get("expires");
    if (exp == null || !exp.isTextual() || !isWholeSecondsUtc(exp.textValue())) {
      throw invalid(
          "\"expires\" must be UTC in whole seconds (YYYY-MM-DDTHH:MM:SSZ), not " + exp,
          "write it like 2030-01-01T00:00:00Z, or sign with --expires / --expire-after");
    }
    expires();
    Map<String, TufKey> keys = keys();
    for (Map.Entry<String, TufKey> e : keys.entrySet()) {
      String computed = e.getValue().keyId();
      if (!computed.equals(e.getKey())) {
        throw invalid(
            "keys: the key listed as "
                + e.getKey()
                + " has key ID "
                + computed
                + " (SHA-256 of its DER SubjectPublicKeyInfo); a key under a wrong ID could count"
                + " twice toward a threshold",
            "list the key only under " + computed + ", in \"keys\" and in the roles' \"keyids\"");
      }
    }
    for (String name : REQUIRED_ROLES) {
      JsonNode r = signed.get("roles").get(name);
      if (r == null || !r.isObject()) {
        throw invalid(
            "roles." + name + " is missing; devices and the server need the " + name + " role",
            "restore roles." + name + " from roles/root.json (or 'root pull')");
      }
    }
    for (String name : roleNames()) {
      checkRole(name, keys, REQUIRED_ROLES.contains(name));
    }
    return this;
  }

  private void checkRole(String name, Map<String, TufKey> keys, boolean required) {
    JsonNode r = signed.get("roles").get(name);
    String field = "roles." + name;
    if (!r.isObject() || !r.path("keyids").isArray()) {
      throw invalid(
          field + " has no \"keyids\" array",
          "write " + field + " as {\"keyids\": [...], \"threshold\": 1}");
    }
    Set<TufKey> distinct = new HashSet<>();
    for (JsonNode k : r.get("keyids")) {
      if (!k.isTextual() || !isKeyId(k.textValue())) {
        throw invalid(
            field + ".keyids: " + k + " is not a key ID (64 lower-case hex characters)",
            "list key IDs as 'user-keys id' prints them");
      }
      TufKey key = keys.get(k.textValue());
      if (key == null) {
        throw invalid(
            field + ".keyids lists " + k.textValue() + ", which is not in \"keys\"",
            "add the key with 'root key add' / 'root targets-key add', or remove the ID");
      }
      distinct.add(key);
    }
    if (!required) {
      return;
    }
    JsonNode t = r.get("threshold");
    int n = distinct.size();
    if (t == null
        || !t.isIntegralNumber()
        || !t.canConvertToInt()
        || t.intValue() < 1
        || t.intValue() > n) {
      throw invalid(
          field
              + ".threshold must be an integer from 1 to "
              + n
              + " (the number of distinct keys the role lists), not "
              + t,
          n == 0
              ? "add a key to the " + name + " role"
              : "set "
                  + field
                  + ".threshold to a value from 1 to "
                  + n
                  + ", or add keys to the role");
    }
  }

  private MetadataException invalid(String problem, String hint) {
    return new MetadataException(what + ": " + problem, hint);
  }

  /** Whether {@code roleName} lists {@code key} (compared by public key, not by the ID written). */
  public boolean listsKey(String roleName, TufKey key) {
    JsonNode r = signed.get("roles").get(roleName);
    if (r == null) {
      return false;
    }
    Map<String, TufKey> keys = keys();
    for (JsonNode id : r.path("keyids")) {
      if (key.equals(keys.get(id.asText()))) {
        return true;
      }
    }
    return false;
  }

  /** Checks an envelope's signatures against one of this root's roles. */
  public SignedMetadata.Verification verify(SignedMetadata md, String roleName) {
    RoleKeys r = role(roleName);
    return md.verify(keys(), r.keyIds(), r.threshold());
  }

  /** Checks a streamed envelope's signatures against one of this root's roles. */
  public SignedMetadata.Verification verify(StreamedEnvelope md, String roleName) {
    RoleKeys r = role(roleName);
    return md.verify(keys(), r.keyIds(), r.threshold());
  }

  /** Adds keys to a role (and to {@code keys}); the threshold stays. */
  public RootRole withKeysAdded(String roleName, Collection<TufKey> add) {
    RoleKeys r = role(roleName);
    List<String> ids = new ArrayList<>(r.keyIds());
    ObjectNode s = signed.deepCopy();
    for (TufKey k : add) {
      if (!ids.contains(k.keyId())) {
        ids.add(k.keyId());
      }
      ((ObjectNode) s.get("keys")).set(k.keyId(), k.toJson());
    }
    setKeyIds(s, roleName, ids);
    return new RootRole(s, what);
  }

  /**
   * Removes key IDs from a role; the threshold stays; {@code keys} is rebuilt from the IDs that
   * some role still references (as libtuf's RootManipulationOps).
   */
  public RootRole withKeysRemoved(String roleName, Collection<String> keyIds) {
    RoleKeys r = role(roleName);
    List<String> ids = new ArrayList<>(r.keyIds());
    ids.removeAll(keyIds);
    ObjectNode s = signed.deepCopy();
    setKeyIds(s, roleName, ids);
    pruneKeys(s);
    return new RootRole(s, what);
  }

  /** Replaces a role's keys and threshold, then drops keys no role references. */
  public RootRole withRole(String roleName, Collection<TufKey> keys, int threshold) {
    ObjectNode s = signed.deepCopy();
    List<String> ids = new ArrayList<>();
    for (TufKey k : keys) {
      ids.add(k.keyId());
      ((ObjectNode) s.get("keys")).set(k.keyId(), k.toJson());
    }
    setKeyIds(s, roleName, ids);
    ((ObjectNode) s.get("roles").get(roleName)).put("threshold", threshold);
    pruneKeys(s);
    return new RootRole(s, what);
  }

  /** {@code version() + 1}; refuses to go past 2^31-1, the last version aktualizr can read. */
  public int nextVersion() {
    int v = version();
    if (v == Integer.MAX_VALUE) {
      throw invalid(
          "\"version\" " + v + " is the last one aktualizr can read (an int); there is no next",
          "set \"version\" back to the version of roles/root.json");
    }
    return v + 1;
  }

  public RootRole withVersion(int version) {
    ObjectNode s = signed.deepCopy();
    s.put("version", version);
    return new RootRole(s, what);
  }

  public RootRole withExpires(Instant expires) {
    ObjectNode s = signed.deepCopy();
    s.put("expires", Expiry.format(expires));
    return new RootRole(s, what);
  }

  private static void setKeyIds(ObjectNode s, String roleName, List<String> ids) {
    ObjectNode roles = (ObjectNode) s.get("roles");
    ObjectNode role = roles.get(roleName) instanceof ObjectNode o ? o : roles.putObject(roleName);
    ArrayNode arr = MetadataJson.array();
    for (String id : ids) {
      arr.add(id);
    }
    role.set("keyids", arr);
    if (!role.has("threshold")) {
      role.put("threshold", 1);
    }
  }

  private static void pruneKeys(ObjectNode s) {
    Set<String> used = new HashSet<>();
    for (JsonNode r : s.get("roles")) {
      for (JsonNode k : r.path("keyids")) {
        used.add(k.asText());
      }
    }
    ((ObjectNode) s.get("keys")).retain(used);
  }

  /**
   * A role's key IDs and threshold.
   *
   * @param keyIds key IDs in file order
   * @param threshold signatures needed
   */
  public record RoleKeys(List<String> keyIds, int threshold) {}
}
