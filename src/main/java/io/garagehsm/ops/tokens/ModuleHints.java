package io.garagehsm.ops.tokens;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Why a module may show no token, as a fix to try: SoftHSM2 reads its token folder from {@code
 * SOFTHSM2_CONF} (else {@code /etc/softhsm/softhsm2.conf}), tpm2-pkcs11 finds the TPM through
 * {@code TPM2_PKCS11_TCTI} and its store through {@code TPM2_PKCS11_STORE}, the p11-kit client
 * through {@code P11_KIT_SERVER_ADDRESS}. The environment is the invocation's (the module reads the
 * same variables from the process).
 */
public final class ModuleHints {
  private ModuleHints() {}

  /** The hint for "no initialised token" in {@code module}. */
  public static String noToken(Path module, Map<String, String> env) {
    String name = module.getFileName() == null ? "" : module.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.contains("softhsm")) {
      String conf = env.get("SOFTHSM2_CONF");
      String reads =
          conf == null
              ? "SOFTHSM2_CONF is not set, so SoftHSM2 reads /etc/softhsm/softhsm2.conf and its"
                  + " directories.tokendir; export SOFTHSM2_CONF=<your softhsm2.conf> if your"
                  + " tokens live elsewhere"
              : "SoftHSM2 reads SOFTHSM2_CONF="
                  + conf
                  + ": check that its directories.tokendir is the folder holding your tokens";
      return reads + ", or create a token: softhsm2-util --init-token --free --label <label>";
    }
    if (lower.contains("tpm2")) {
      return "tpm2-pkcs11 reaches the TPM through TPM2_PKCS11_TCTI (now "
          + env.getOrDefault("TPM2_PKCS11_TCTI", "unset: the default TCTI")
          + ") and keeps its tokens in TPM2_PKCS11_STORE (now "
          + env.getOrDefault("TPM2_PKCS11_STORE", "unset: ~/.tpm2_pkcs11")
          + "); create a token with tpm2_ptool addtoken (see hsm-config/tpm2)";
    }
    if (lower.contains("p11-kit") || lower.contains("p11kit")) {
      return "the p11-kit client reaches its server through P11_KIT_SERVER_ADDRESS (now "
          + env.getOrDefault("P11_KIT_SERVER_ADDRESS", "unset")
          + "); check that 'p11-kit server' runs and exports the token (see hsm-config/network-hsm)";
    }
    return "insert or initialise the token, and check that "
        + module
        + " is the module for it (p11-kit list-modules shows the registered modules)";
  }
}
