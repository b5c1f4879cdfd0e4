package io.garagehsm.ops.ceremony;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.TargetsRole;
import io.garagehsm.metadata.TufKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a new version changes against the currently signed one, in sentences for the keyholders who
 * sign it: version, expiry, keys added and removed and thresholds per role (root), targets added,
 * removed and changed (targets).
 */
public final class ChangeSummary {
  private ChangeSummary() {}

  /** {@code current} is the signed part now in force, or null when there is none. */
  public static List<String> of(String role, JsonNode current, JsonNode next) {
    List<String> out = new ArrayList<>();
    if (current == null) {
      out.add("first signed " + role + ".json: version " + next.path("version").asInt());
      out.add("expires " + next.path("expires").asText());
      return out;
    }
    out.add("version " + current.path("version").asInt() + " -> " + next.path("version").asInt());
    String ce = current.path("expires").asText();
    String ne = next.path("expires").asText();
    out.add(ce.equals(ne) ? "expires " + ne + " (unchanged)" : "expires " + ce + " -> " + ne);
    if (role.equals(RootRole.ROOT)) {
      root(RootRole.of(current, "current root"), RootRole.of(next, "new root"), out);
    } else {
      targets(TargetsRole.of(current, "current targets"), TargetsRole.of(next, "new targets"), out);
    }
    return out;
  }

  private static void root(RootRole cur, RootRole next, List<String> out) {
    Set<String> roles = new LinkedHashSet<>(next.roleNames());
    roles.addAll(cur.roleNames());
    Map<String, TufKey> curKeys = cur.keys();
    Map<String, TufKey> nextKeys = next.keys();
    for (String r : roles) {
      if (!next.roleNames().contains(r)) {
        out.add("role " + r + " removed");
        continue;
      }
      if (!cur.roleNames().contains(r)) {
        out.add("role " + r + " added");
      }
      RootRole.RoleKeys n = next.role(r);
      RootRole.RoleKeys c =
          cur.roleNames().contains(r) ? cur.role(r) : new RootRole.RoleKeys(List.of(), 0);
      if (c.threshold() != n.threshold()) {
        out.add(r + " threshold " + c.threshold() + " -> " + n.threshold());
      }
      for (String id : n.keyIds()) {
        if (!c.keyIds().contains(id)) {
          out.add(r + " key added: " + id + describe(nextKeys.get(id)));
        }
      }
      for (String id : c.keyIds()) {
        if (!n.keyIds().contains(id)) {
          out.add(r + " key removed: " + id + describe(curKeys.get(id)));
        }
      }
      if (c.keyIds().equals(n.keyIds()) && c.threshold() == n.threshold()) {
        out.add(r + " keys unchanged (" + n.keyIds().size() + ", threshold " + n.threshold() + ")");
      }
    }
  }

  private static String describe(TufKey k) {
    return k == null ? "" : " (" + k.describe() + ")";
  }

  private static void targets(TargetsRole cur, TargetsRole next, List<String> out) {
    int changes = 0;
    for (String f : next.filenames()) {
      JsonNode n = next.target(f);
      if (!cur.hasTarget(f)) {
        out.add("target added: " + f + item(n));
        changes++;
      } else if (!Objects.equals(cur.target(f), n)) {
        JsonNode c = cur.target(f);
        String what = "";
        if (!c.path("hashes").equals(n.path("hashes"))) {
          what +=
              " sha256 "
                  + c.path("hashes").path("sha256").asText()
                  + " -> "
                  + n.path("hashes").path("sha256").asText();
        }
        if (!c.path("length").equals(n.path("length"))) {
          what += " length " + c.path("length").asText() + " -> " + n.path("length").asText();
        }
        if (!c.path("custom").equals(n.path("custom"))) {
          what += " custom metadata";
        }
        out.add("target changed: " + f + ":" + (what.isEmpty() ? " other fields" : what));
        changes++;
      }
    }
    for (String f : cur.filenames()) {
      if (!next.hasTarget(f)) {
        out.add("target removed: " + f);
        changes++;
      }
    }
    if (!Objects.equals(cur.delegations(), next.delegations())) {
      out.add("delegations changed");
      changes++;
    }
    if (changes == 0) {
      out.add("targets unchanged (" + next.filenames().size() + ")");
    }
  }

  private static String item(JsonNode n) {
    return " (length "
        + n.path("length").asText()
        + ", sha256 "
        + n.path("hashes").path("sha256").asText()
        + ")";
  }
}
