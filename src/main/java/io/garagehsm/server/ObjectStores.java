package io.garagehsm.server;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * The object stores the reposerver redirects uploads to: S3 (pre-signed part URLs) and Azure Blob
 * Storage (SAS URLs, which garage-sign reaches through the Azure SDK). Their URLs carry their own
 * authorisation; they are other origins than the reposerver, so they never get its bearer token
 * (Http sends credentials to the configured origin only).
 */
final class ObjectStores {
  private ObjectStores() {}

  private static String host(URI uri) {
    return uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
  }

  static boolean isAzureBlob(URI uri) {
    return host(uri).endsWith(".core.windows.net");
  }

  /**
   * Extra headers for a single PUT of a whole file to {@code uri}: Azure's Put Blob needs the blob
   * type (the SDK garage-sign uses sends it); other stores need none.
   */
  static Map<String, String> singlePutHeaders(URI uri) {
    return isAzureBlob(uri) ? Map.of("x-ms-blob-type", "BlockBlob") : Map.of();
  }
}
