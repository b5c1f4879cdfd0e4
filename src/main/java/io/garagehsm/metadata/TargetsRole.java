package io.garagehsm.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A typed view of a targets {@code signed} object (compat spec §6.3) that behaves like ota-tuf's
 * codec: reading validates, {@link #json()} gives the re-encoded form (unknown top-level fields
 * dropped, top-level nulls dropped, {@code expires} in whole seconds, {@code _type} exactly {@code
 * Targets}). {@code targets get-unsigned}, {@code targets sign} and {@code --signatures} all use
 * this re-encoded form, as garage-sign does. Edits return new views.
 */
public final class TargetsRole {
  private static final Pattern ROLE_NAME = Pattern.compile("[a-zA-Z0-9_-][a-zA-Z0-9_.-]*");

  private final Instant expires;
  private final int version;
  private final LinkedHashMap<String, ObjectNode> targets;
  private final ObjectNode delegations;
  private final JsonNode custom;

  private TargetsRole(
      Instant expires,
      int version,
      LinkedHashMap<String, ObjectNode> targets,
      ObjectNode delegations,
      JsonNode custom) {
    this.expires = expires;
    this.version = version;
    this.targets = targets;
    this.delegations = delegations;
    this.custom = custom;
  }

  /** An empty role, as {@code targets init} and {@code delegations init} write it. */
  public static TargetsRole empty(int version, Instant expires) {
    return new TargetsRole(expires, version, new LinkedHashMap<>(), null, null);
  }

  /** Decodes a targets {@code signed} object; errors name {@code what}. */
  public static TargetsRole of(JsonNode signed, String what) {
    if (signed == null || !signed.isObject()) {
      throw new MetadataException(what + " is not a targets object");
    }
    checkType(signed.get("_type"), what);
    Instant expires = expiresOf(signed.get("expires"), what);
    int version = versionOf(signed.get("version"), what);
    JsonNode t = signed.get("targets");
    if (t == null || !t.isObject()) {
      throw noTargets(what);
    }
    LinkedHashMap<String, ObjectNode> items = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      checkFilename(e.getKey(), what);
      items.put(e.getKey(), item(e.getValue(), what + " target \"" + e.getKey() + "\""));
    }
    ObjectNode delegations = delegationsOf(signed.get("delegations"), what);
    JsonNode custom = customOf(signed.get("custom"));
    return new TargetsRole(expires, version, items, delegations, custom);
  }

  // The checks of the top-level fields, in the order of(...) makes them; StreamedTargets makes
  // the same ones on the fields it collected, so both paths give the same first error.

  static void checkType(JsonNode type, String what) {
    if (type == null || !type.isTextual() || !"targets".equalsIgnoreCase(type.textValue())) {
      throw new MetadataException(
          what + " is not a targets role (_type is " + (type == null ? "missing" : type) + ")");
    }
  }

  static Instant expiresOf(JsonNode exp, String what) {
    if (exp == null || !exp.isTextual()) {
      throw new MetadataException(what + " has no \"expires\" date");
    }
    return Expiry.parse(exp.textValue(), what + " expires");
  }

  static int versionOf(JsonNode v, String what) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new MetadataException(what + " has no valid \"version\" (a non-negative integer)");
    }
    return v.intValue();
  }

  static MetadataException noTargets(String what) {
    return new MetadataException(what + " has no \"targets\" object");
  }

  static ObjectNode delegationsOf(JsonNode d, String what) {
    if (d == null || d.isNull()) {
      return null;
    }
    if (!d.isObject()) {
      throw new MetadataException(what + " \"delegations\" is not an object");
    }
    return ((ObjectNode) d).deepCopy();
  }

  static JsonNode customOf(JsonNode c) {
    return c == null || c.isNull() ? null : c.deepCopy();
  }

  /** One target item re-encoded as ota-tuf does (hashes, length, custom); errors name it. */
  static ObjectNode item(JsonNode n, String what) {
    checkItem(n, what);
    ObjectNode o = MetadataJson.object();
    o.set("hashes", n.get("hashes").deepCopy());
    o.set("length", n.get("length").deepCopy());
    JsonNode custom = n.get("custom");
    if (custom != null && !custom.isNull()) {
      o.set("custom", custom.deepCopy());
    }
    return o;
  }

  /**
   * True when {@link #item} would give {@code n} back unchanged: its fields are exactly {@code
   * hashes, length} or {@code hashes, length, custom} (not null), in this order, as garage-sign
   * writes them. Call after {@link #checkItem}.
   */
  static boolean isReencoded(JsonNode n) {
    Iterator<String> names = n.fieldNames();
    if (!names.hasNext() || !names.next().equals("hashes")) {
      return false;
    }
    if (!names.hasNext() || !names.next().equals("length")) {
      return false;
    }
    if (!names.hasNext()) {
      return true;
    }
    return names.next().equals("custom") && !n.get("custom").isNull() && !names.hasNext();
  }

  /** The checks of {@link #item}. */
  static void checkItem(JsonNode n, String what) {
    if (!n.isObject()) {
      throw new MetadataException(what + " is not an object");
    }
    JsonNode hashes = n.get("hashes");
    if (hashes == null || !hashes.isObject()) {
      throw new MetadataException(what + " has no \"hashes\" object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = hashes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new MetadataException(what + " hash " + e.getKey() + " is not a string");
      }
    }
    JsonNode len = n.get("length");
    if (len == null || !len.isIntegralNumber() || !len.canConvertToLong() || len.longValue() < 0) {
      throw new MetadataException(what + " has no valid \"length\" (a non-negative integer)");
    }
  }

  /** Target filenames: 1 to 253 characters, no {@code ..} (libtuf's TargetFilename). */
  public static void checkFilename(String name, String what) {
    if (name.isEmpty() || name.length() > 253 || name.contains("..")) {
      throw new MetadataException(
          what + ": invalid target filename \"" + name + "\"",
          "target filenames are 1 to 253 characters long and must not contain '..'");
    }
  }

  /** Delegated role names: 1 to 50 characters of {@code [a-zA-Z0-9_-][a-zA-Z0-9_.-]*}. */
  public static void checkDelegatedRoleName(String name) {
    if (name.isEmpty() || name.length() > 50 || !ROLE_NAME.matcher(name).matches()) {
      throw new MetadataException(
          "invalid delegated role name \"" + name + "\"",
          "use 1 to 50 characters: letters, digits, '_', '-' and '.' (not first)");
    }
  }

  /** Delegation path patterns: 1 to 253 characters, no {@code ..}. */
  public static void checkDelegationPath(String path) {
    if (path.isEmpty() || path.length() > 253 || path.contains("..")) {
      throw new MetadataException(
          "invalid delegation path pattern \"" + path + "\"",
          "path patterns are 1 to 253 characters long and must not contain '..'");
    }
  }

  /**
   * The re-encoded {@code signed} object, in garage-sign's file field order. The target items are
   * shared with this role, not copied: write, sign or print the result, but do not change it.
   */
  public ObjectNode json() {
    ObjectNode o = MetadataJson.object();
    o.put("expires", Expiry.format(expires));
    ObjectNode t = o.putObject("targets");
    targets.forEach(t::set);
    o.put("version", version);
    if (delegations != null) {
      o.set("delegations", delegations.deepCopy());
    }
    if (custom != null) {
      o.set("custom", custom.deepCopy());
    }
    o.put("_type", "Targets");
    return o;
  }

  /** Canonical bytes of the re-encoded form: what {@code get-unsigned} prints and sign signs. */
  public byte[] canonical() {
    return CanonicalJson.encode(json());
  }

  public Instant expires() {
    return expires;
  }

  public int version() {
    return version;
  }

  /** Target filenames in file order. */
  public List<String> filenames() {
    return List.copyOf(targets.keySet());
  }

  public boolean hasTarget(String filename) {
    return targets.containsKey(filename);
  }

  /** A copy of one target item, or null. */
  public ObjectNode target(String filename) {
    ObjectNode t = targets.get(filename);
    return t == null ? null : t.deepCopy();
  }

  /** A copy of {@code delegations}, or null. */
  public ObjectNode delegations() {
    return delegations == null ? null : delegations.deepCopy();
  }

  public TargetsRole withVersion(int v) {
    return new TargetsRole(expires, v, copyTargets(), delegations, custom);
  }

  public TargetsRole withExpires(Instant e) {
    return new TargetsRole(e, version, copyTargets(), delegations, custom);
  }

  /** Adds or replaces a target. */
  public TargetsRole withTarget(String filename, ObjectNode item) {
    checkFilename(filename, "target");
    LinkedHashMap<String, ObjectNode> t = copyTargets();
    t.put(filename, item(item, "target \"" + filename + "\""));
    return new TargetsRole(expires, version, t, delegations, custom);
  }

  /**
   * Adds or replaces many targets in one copy (a manifest of thousands would otherwise copy the map
   * once per target), in the given order; all are checked before the new view exists.
   */
  public TargetsRole withTargets(Map<String, ObjectNode> items) {
    LinkedHashMap<String, ObjectNode> t = copyTargets();
    for (Map.Entry<String, ObjectNode> e : items.entrySet()) {
      checkFilename(e.getKey(), "target");
      t.put(e.getKey(), item(e.getValue(), "target \"" + e.getKey() + "\""));
    }
    return new TargetsRole(expires, version, t, delegations, custom);
  }

  /** Removes a target; the error says it is not there. */
  public TargetsRole withoutTarget(String filename) {
    if (!targets.containsKey(filename)) {
      throw new MetadataException(
          "target \"" + filename + "\" is not in the unsigned targets.json",
          "the filename is <name>-<version>; known targets: "
              + (targets.isEmpty() ? "none" : String.join(", ", targets.keySet())));
    }
    LinkedHashMap<String, ObjectNode> t = copyTargets();
    t.remove(filename);
    return new TargetsRole(expires, version, t, delegations, custom);
  }

  /**
   * Adds or replaces a delegated role with threshold 1 and {@code terminating} true (as garage-sign
   * does); keys no delegated role references any more are dropped.
   */
  public TargetsRole withDelegatedRole(String name, List<String> paths, List<TufKey> keys) {
    checkDelegatedRoleName(name);
    if (paths.isEmpty() || keys.isEmpty()) {
      throw new MetadataException(
          "delegated role \"" + name + "\" needs at least one path and one key");
    }
    paths.forEach(TargetsRole::checkDelegationPath);
    ObjectNode d = delegations == null ? MetadataJson.object() : delegations.deepCopy();
    ObjectNode dkeys = d.get("keys") instanceof ObjectNode k ? k : d.putObject("keys");
    ArrayNode oldRoles = d.get("roles") instanceof ArrayNode r ? r : MetadataJson.array();
    ArrayNode roles = MetadataJson.array();
    ObjectNode role = MetadataJson.object();
    role.put("name", name);
    ArrayNode ids = role.putArray("keyids");
    for (TufKey k : keys) {
      if (!containsText(ids, k.keyId())) {
        ids.add(k.keyId());
      }
      dkeys.set(k.keyId(), k.toJson());
    }
    ArrayNode p = role.putArray("paths");
    paths.forEach(p::add);
    role.put("threshold", 1);
    role.put("terminating", true);
    boolean replaced = false;
    for (JsonNode r : oldRoles) {
      if (name.equals(r.path("name").asText(null))) {
        roles.add(role);
        replaced = true;
      } else {
        roles.add(r);
      }
    }
    if (!replaced) {
      roles.add(role);
    }
    d.set("roles", roles);
    Set<String> used = new HashSet<>();
    roles.forEach(r -> r.path("keyids").forEach(k -> used.add(k.asText())));
    List<String> drop = new ArrayList<>();
    dkeys.fieldNames().forEachRemaining(k -> drop.add(k));
    drop.removeAll(used);
    dkeys.remove(drop);
    return new TargetsRole(expires, version, copyTargets(), d, custom);
  }

  private static boolean containsText(ArrayNode a, String s) {
    for (JsonNode n : a) {
      if (s.equals(n.asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * A new map sharing the item nodes: items are never changed once built (they are copied on the
   * way in by {@link #item} and on the way out by {@link #target}), so roles can share them; a
   * 100k-target role is ~100 MiB of nodes.
   */
  private LinkedHashMap<String, ObjectNode> copyTargets() {
    return new LinkedHashMap<>(targets);
  }
}
