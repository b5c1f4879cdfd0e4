package io.garagehsm.cli;

import io.garagehsm.repo.KeyDirectory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --signatures name=b64,name2=b64} option of {@code root sign} and {@code targets sign}.
 */
final class SignaturesOption {
  private SignaturesOption() {}

  /** Key name → base64 signature, in the order given (base64 padding may hold '='). */
  static Map<String, String> parse(String spec) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : spec.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new CliException(
            ExitCodes.USAGE,
            "--signatures: \"" + part + "\" is not <key-name>=<base64 signature>",
            "write --signatures targets=<base64>[,other=<base64>]");
      }
      String name = part.substring(0, eq).trim();
      KeyDirectory.checkName(name);
      if (m.put(name, part.substring(eq + 1).trim()) != null) {
        throw new CliException(
            ExitCodes.USAGE, "--signatures names key '" + name + "' twice", null);
      }
    }
    return m;
  }
}
