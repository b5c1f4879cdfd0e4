package io.garagehsm.pkcs11;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Writes the test softhsm2.conf when the JUnit launcher session opens, i.e. before any test class
 * loads a PKCS#11 module: SoftHSM2 reads SOFTHSM2_CONF only in C_Initialize.
 */
public class SoftHsmConfigListener implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    TestTokens.writeConfig();
  }
}
