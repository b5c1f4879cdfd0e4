package io.garagehsm.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Golden files produced by the real uptane-sign (copied from shared/vectors). */
public final class Vectors {
  private Vectors() {}

  /** Path of a vector file, e.g. {@code keys/ed25519.pub}. */
  public static Path path(String rel) {
    try {
      return Path.of(Vectors.class.getResource("/vectors/" + rel).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalArgumentException("no vector " + rel, e);
    }
  }

  public static byte[] bytes(String rel) {
    try {
      return Files.readAllBytes(path(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String text(String rel) {
    return new String(bytes(rel), StandardCharsets.UTF_8);
  }
}
