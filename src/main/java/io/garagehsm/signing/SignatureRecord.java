package io.garagehsm.signing;

/**
 * One signature made, as the ceremony transcript records it: which key signed which bytes (their
 * SHA-256) where. Never the signed bytes themselves, a PIN or key material.
 *
 * @param keyName the user's name for the key, or null when given by URI or file
 * @param keyId the key ID
 * @param method signature method ({@code rsassa-pss-sha256}, {@code ed25519})
 * @param location file path or pkcs11: URI of the key
 * @param token the token holding the key, or null for a file key
 * @param signedSha256 SHA-256 (hex) of the exact bytes signed
 * @param verified whether the signature verified under the key's public key
 */
public record SignatureRecord(
    String keyName,
    String keyId,
    String method,
    String location,
    TokenIdentity token,
    String signedSha256,
    boolean verified) {}
