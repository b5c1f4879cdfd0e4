package io.garagehsm.repo;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The check a server URL from a credentials.zip or the command line passes before it is written
 * into config.json: an absolute http or https URL with a host and no control characters. A bad zip
 * then fails at {@code init}, not at every later command.
 */
public final class ServerUrl {
  private ServerUrl() {}

  /**
   * Returns {@code url} unchanged when it is acceptable.
   *
   * @param what names where the URL came from, e.g. {@code credentials.zip!tufrepo.url}
   * @throws RepoException naming {@code what} (the URL itself is not echoed when it holds control
   *     characters)
   */
  public static String check(String url, String what) {
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        throw new RepoException(
            what
                + " holds a control character (U+"
                + String.format(Locale.ROOT, "%04X", (int) c)
                + " at position "
                + i
                + "); expected an http or https URL",
            "use the credentials.zip as downloaded from OTA Connect, or pass --reposerver");
      }
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RepoException(
          what + " is not a URL (" + e.getReason() + "): " + url,
          "expected an http or https URL such as https://host/path");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new RepoException(
          what + " is not an http or https URL: " + url,
          "expected an http or https URL such as https://host/path");
    }
    if (uri.getRawAuthority() == null || uri.getRawAuthority().isEmpty()) {
      throw new RepoException(
          what + " has no host: " + url, "expected an http or https URL such as https://host/path");
    }
    return url;
  }
}
