package io.garagehsm.cli;

import io.garagehsm.pkcs11.BackendOptions;
import io.garagehsm.pkcs11.ModuleLocator;
import io.garagehsm.secret.PasswordPrompt;
import io.garagehsm.secret.PinFailureLedger;
import io.garagehsm.secret.PinSources;
import io.garagehsm.secret.SecretSource;
import io.garagehsm.signing.TokenKeys;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Token access as the global options choose it: the PIN source ({@code --pin-file}, {@code
 * --pin-env}, the key URI, or the terminal), the module and backend, and the PIN-try rules.
 */
final class TokenAccess {
  private TokenAccess() {}

  /** A {@link TokenKeys} that loads modules on first use; {@code notes} gets its messages. */
  static TokenKeys open(GlobalOptions global, Map<String, String> env, Consumer<String> notes) {
    SecretSource pins =
        PinSources.builder()
            .pinFile(global.pinFile())
            .pinEnv(global.pinEnv())
            .environment(env)
            .prompt(PasswordPrompt.systemConsole())
            // PinSources and the backends prefix their own "warning: " / "note: "
            .warnings(notes)
            .build();
    ModuleLocator locator =
        new ModuleLocator(
            env,
            ModuleLocator.DEFAULT_REGISTRY_DIRS,
            ModuleLocator.DEFAULT_MODULE_DIRS,
            ModuleLocator.DEFAULT_MODULE_PATHS);
    return new TokenKeys(
        TokenKeys.backendKind(global.backend()),
        global.module(),
        locator,
        pins,
        new BackendOptions(
            notes,
            global.allowFinalPinTry(),
            global.maxSessions(),
            // wrong non-interactive PINs, remembered per token and PIN source (never the PIN):
            // the same unchanged source is not tried again without --retry-pin
            new PinFailureLedger(global.homeDir().resolve(".pin-failures")),
            global.retryPin()));
  }
}
