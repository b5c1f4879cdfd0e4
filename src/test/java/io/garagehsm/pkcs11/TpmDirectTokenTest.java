package io.garagehsm.pkcs11;

/** The TPM token suite with the swtpm TCTI straight to the simulator (no resource manager). */
class TpmDirectTokenTest extends TpmTokenContract {
  @Override
  TestTpm.Access access() {
    return TestTpm.Access.DIRECT;
  }
}
