package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
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

  public int version() {
    return signed.path("version").asInt(-1);
  }

  public Instant expires() {
    return Expiry.parse(signed.path("expires").asText(), what + " expires");
  }

  /** All keys of {@code keys}, by key ID as written (not recomputed, as aktualizr does). */
  public Map<String, TufKey> keys() {
    Map<String, TufKey> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = signed.get("keys").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), TufKey.fromJson(e.getValue(), what + " key " + e.getKey()));
    }
    return m;
  }

  /** Role names present. */
  public List<String> roleNames() {
    List<String> names = new ArrayList<>();
    signed.get("roles").fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The key IDs and threshold of a role; the error names the role. */
  public RoleKeys role(String name) {
    JsonNode r = signed.get("roles").get(name);
    if (r == null || !r.isObject()) {
      throw new MetadataException(what + " has no \"" + name + "\" role");
    }
    List<String> ids = new ArrayList<>();
    r.path("keyids").forEach(k -> ids.add(k.asText()));
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
    ObjectNode o = MetadataJson.object();
    ObjectNode k = o.putObject("keys");
    keys().forEach((id, key) -> k.set(id, key.toJson()));
    ObjectNode r = o.putObject("roles");
    for (String name : roleNames()) {
      RoleKeys rk = role(name);
      ObjectNode ro = r.putObject(name);
      ArrayNode ids = ro.putArray("keyids");
      rk.keyIds().forEach(ids::add);
      ro.put("threshold", rk.threshold());
    }
    o.put("version", v.intValue());
    o.put("expires", Expiry.format(expires()));
    o.put("consistent_snapshot", cs.booleanValue());
    o.put("_type", "Root");
    return o;
  }

  /** Checks an envelope's signatures against one of this root's roles. */
  public SignedMetadata.Verification verify(SignedMetadata md, String roleName) {
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
    ids.forEach(arr::add);
    role.set("keyids", arr);
    if (!role.has("threshold")) {
      role.put("threshold", 1);
    }
  }

  private static void pruneKeys(ObjectNode s) {
    Set<String> used = new HashSet<>();
    s.get("roles").forEach(r -> r.path("keyids").forEach(k -> used.add(k.asText())));
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
