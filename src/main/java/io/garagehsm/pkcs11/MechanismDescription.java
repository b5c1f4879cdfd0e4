package io.garagehsm.pkcs11;

/**
 * One mechanism a token offers, as C_GetMechanismInfo reports it. Key sizes are in bits for RSA and
 * EC (some modules report bytes; shown as given).
 */
public record MechanismDescription(
    String name,
    long code,
    long minKeySize,
    long maxKeySize,
    boolean sign,
    boolean generateKeyPair) {}
