package io.garagehsm.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.KeyType;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Synthetic but realistic garage-sign targets metadata for benchmarks: each entry looks like one
 * written by {@code targets add} (compat spec §6.3). Deterministic for a given count and seed, so
 * runs compare like with like.
 */
public final class TargetsFixture {
  private static final String[] PRODUCTS = {
    "app-firmware", "os-image", "bootloader", "modem-fw", "bms-controller", "infotainment",
    "gateway", "telematics", "adas-camera", "body-control", "seat-module", "hvac-controller",
    "radar-front", "lidar-roof", "door-module", "charger-ecu"
  };
  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  private TargetsFixture() {}

  /** The canonical key size for a benchmark key-type name: ed25519, rsa2048, rsa3072, rsa4096. */
  public static TufKeyPair key(String name) {
    return switch (name) {
      case "ed25519" -> TufKeyPair.generate(KeyType.ED25519, 256);
      case "rsa2048" -> TufKeyPair.generate(KeyType.RSA, 2048);
      case "rsa3072" -> TufKeyPair.generate(KeyType.RSA, 3072);
      case "rsa4096" -> TufKeyPair.generate(KeyType.RSA, 4096);
      default -> throw new IllegalArgumentException("unknown key type " + name);
    };
  }

  /**
   * The {@code signed} part of a targets role with {@code count} targets, in garage-sign's field
   * order ({@code expires, targets, version, _type}).
   */
  public static ObjectNode unsignedTargets(int count, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    HexFormat hex = HexFormat.of();
    ObjectNode signed = MetadataJson.object();
    signed.put("expires", "2027-12-31T00:00:00Z");
    ObjectNode targets = signed.putObject("targets");
    byte[] digest = new byte[32];
    for (int i = 0; i < count; i++) {
      String name = PRODUCTS[i % PRODUCTS.length];
      String version =
          (1 + i / (PRODUCTS.length * 1000))
              + "."
              + (i / PRODUCTS.length) % 1000
              + "."
              + rnd.nextInt(10);
      String filename = name + "-" + version;
      boolean ostree = rnd.nextInt(8) == 0;
      boolean uploaded = !ostree && rnd.nextBoolean();
      for (int b = 0; b < digest.length; b++) {
        digest[b] = (byte) rnd.nextInt(256);
      }
      ObjectNode t = targets.putObject(filename);
      t.putObject("hashes").put("sha256", hex.formatHex(digest));
      t.put("length", ostree ? 0 : rnd.nextLong(1_000L, 4_000_000_000L));
      ObjectNode custom = t.putObject("custom");
      custom.put("cliUploaded", uploaded);
      custom.put("name", name);
      custom.put("version", version);
      ArrayNode hw = custom.putArray("hardwareIds");
      int boards = 1 + rnd.nextInt(3);
      for (int b = 0; b < boards; b++) {
        hw.add("board-" + (char) ('a' + rnd.nextInt(26)) + "-rev" + rnd.nextInt(5));
      }
      custom.put("targetFormat", ostree ? "OSTREE" : "BINARY");
      if (uploaded || ostree) {
        custom.putNull("uri");
      } else {
        custom.put("uri", "https://updates.example.org/fw/" + filename + ".bin");
      }
      String at = BASE.plus(i, ChronoUnit.MINUTES).toString();
      custom.put("createdAt", at);
      custom.put("updatedAt", at);
    }
    signed.put("version", 1);
    signed.put("_type", "Targets");
    return signed;
  }

  /**
   * Creates {@code <home>/<repo>/} as {@code init} + {@code targets pull} + {@code targets add}
   * would leave it: config.json, a file key {@code keyName} in keys/, and
   * roles/unsigned/targets.json with {@code count} targets.
   */
  public static Repository writeRepository(
      Path home, String repo, String keyName, String keyType, int count) {
    Repository r = Repository.at(home, repo);
    r.ensureRoleDirs();
    ObjectNode config = MetadataJson.object();
    config.put("reposerver", "http://127.0.0.1:18191/");
    config.putNull("auth");
    config.put("repoServerType", "RepoServer");
    r.writeConfig(new RepoConfig(config));
    r.keys().writeKeyPair(keyName, key(keyType));
    r.writeUnsignedRole("targets", unsignedTargets(count, 42));
    return r;
  }
}
