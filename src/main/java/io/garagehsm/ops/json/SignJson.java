package io.garagehsm.ops.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import io.garagehsm.signing.TokenSignerFactory;
import java.nio.file.Path;
import java.util.List;

/**
 * Signs any JSON object ({@code sign-json}): the signature covers the input's canonical form
 * (number literals as written); the result is {@code {"signatures":[…],"signed":<input>}}.
 */
public final class SignJson {

  /**
   * @param privateKey a {@code .sec} key file, a token key reference file ({@code .pkcs11}) or a
   *     {@code pkcs11:} URI
   * @param publicKeyFile the {@code .pub} file of that key
   * @param input the JSON file to sign
   */
  public record Request(String privateKey, Path publicKeyFile, Path input) {}

  /**
   * @param keyId the key that signed
   * @param signedJson the signed document, pretty-printed as garage-sign prints it (no final
   *     newline)
   */
  @SuppressWarnings("ArrayRecordComponent") // output bytes, never compared or hashed
  public record Result(String keyId, byte[] signedJson) {}

  private final TokenSignerFactory tokens;

  /** {@code tokens} opens token keys; it is used only when the key is on a token. */
  public SignJson(TokenSignerFactory tokens) {
    this.tokens = tokens;
  }

  public Result run(Request request) {
    Path pubKey = request.publicKeyFile();
    TufKey pub = TufKey.fromJson(MetadataJson.read(pubKey), pubKey.toString());
    JsonNode in = MetadataJson.read(request.input());
    if (!in.isObject()) {
      throw new MetadataException(request.input() + " must hold a JSON object");
    }
    SignedMetadata md = SignedMetadata.unsigned((ObjectNode) in);
    SignedMetadata out;
    try (Signer signer = signer(request.privateKey(), pub, pubKey)) {
      out = MetadataSigner.sign(md, List.of(signer));
    }
    return new Result(pub.keyId(), MetadataJson.pretty(out.toJson()));
  }

  private Signer signer(String privKey, TufKey pub, Path pubKey) {
    if (privKey.startsWith("pkcs11:")) {
      return tokens.open(privKey, pub, null);
    }
    Path p = Path.of(privKey);
    String file = p.getFileName().toString();
    if (file.endsWith(TokenReference.SUFFIX)) {
      Path dir = p.toAbsolutePath().getParent();
      String name = file.substring(0, file.length() - TokenReference.SUFFIX.length());
      TokenReference ref =
          new KeyDirectory(dir)
              .tokenReference(name)
              .orElseThrow(() -> new MetadataException(p + " does not exist"));
      if (!ref.keyId().equals(pub.keyId())) {
        throw new MetadataException(
            p + " names key " + ref.keyId() + " but " + pubKey + " is " + pub.keyId(),
            "pass the .pub that belongs to this token key");
      }
      return tokens.open(ref.uri(), pub, name);
    }
    return new FileSigner(TufKeyPair.fromJson(MetadataJson.read(p), pub, privKey), privKey);
  }
}
