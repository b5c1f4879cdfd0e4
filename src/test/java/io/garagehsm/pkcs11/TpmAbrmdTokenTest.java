package io.garagehsm.pkcs11;

/** The TPM token suite through tpm2-abrmd on a private D-Bus session bus. */
class TpmAbrmdTokenTest extends TpmTokenContract {
  @Override
  TestTpm.Access access() {
    return TestTpm.Access.ABRMD;
  }
}
