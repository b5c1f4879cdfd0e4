package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.TargetManifest;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code targets add} and {@code targets add-uploaded}: adds (or replaces) targets in the unsigned
 * targets.json, one from flags or many from a manifest; every entry is checked before anything is
 * written.
 */
public final class AddTargets {

  /**
   * @param repo the image repository, opened only after every entry is checked (so a bad entry is
   *     reported first, as garage-sign does)
   * @param entries the targets given by flags (empty when {@code manifest} is given)
   * @param manifest a manifest file, {@code -} for {@code standardInput}, or null
   * @param kind which command: add, or add-uploaded (the manifest fields differ)
   */
  public record Request(
      Supplier<Repository> repo,
      List<TargetEntry> entries,
      String manifest,
      TargetManifest.Kind kind) {
    public Request {
      entries = List.copyOf(entries);
    }

    /** Targets given by flags ({@code kind}: which command's). */
    public static Request of(
        Supplier<Repository> repo, List<TargetEntry> entries, TargetManifest.Kind kind) {
      return new Request(repo, entries, null, kind);
    }

    /** The targets of a manifest ({@code -}: standard input). */
    public static Request fromManifest(
        Supplier<Repository> repo, String manifest, TargetManifest.Kind kind) {
      return new Request(repo, List.of(), manifest, kind);
    }
  }

  private final Instant now;
  private final InputStream standardInput;

  /**
   * @param now the time recorded as createdAt/updatedAt
   * @param standardInput where a manifest {@code -} is read from
   */
  public AddTargets(Instant now, InputStream standardInput) {
    this.now = now;
    this.standardInput = standardInput;
  }

  public OperationResult run(Request request) {
    Map<String, ObjectNode> items =
        request.manifest() != null ? manifestItems(request) : entryItems(request.entries());
    Repository r = request.repo().get();
    return new UnsignedTargetsEdit.Edited(
        request.kind() == TargetManifest.Kind.ADD ? "targets add" : "targets add-uploaded",
        (items.size() == 1 ? "added target to " : "added " + items.size() + " targets to ")
            + r.unsignedFile("targets"),
        r.unsignedFile("targets"),
        UnsignedTargetsEdit.apply(r, t -> t.withTargets(items)),
        List.copyOf(items.keySet()));
  }

  private Map<String, ObjectNode> entryItems(List<TargetEntry> entries) {
    Map<String, ObjectNode> items = new LinkedHashMap<>();
    for (TargetEntry e : entries) {
      items.put(e.filename(), e.item(now));
    }
    return items;
  }

  private Map<String, ObjectNode> manifestItems(Request request) {
    String manifest = request.manifest();
    if (manifest.equals("-")) {
      return TargetBatch.items(
          standardInput, "the manifest on standard input", request.kind(), now);
    }
    Path file = Path.of(manifest);
    try (InputStream in = Files.newInputStream(file)) {
      return TargetBatch.items(in, file.toString(), request.kind(), now);
    } catch (NoSuchFileException e) {
      throw new OperationException(Kind.EXPLAINED, "manifest " + file + " does not exist", null);
    } catch (IOException e) {
      throw new OperationException(
          Kind.EXPLAINED, "cannot read manifest " + file + ": " + e.getMessage(), null);
    }
  }
}
