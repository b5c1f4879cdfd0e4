package io.garagehsm.ops.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Checks the signatures of a signed JSON file against one public key, whatever their key IDs
 * ({@code verify-json}).
 */
public final class VerifyJson {

  /**
   * @param publicKeyFile the {@code .pub} file to check against
   * @param input the signed JSON file ({@code {"signatures": […], "signed": …}})
   */
  public record Request(Path publicKeyFile, Path input) {}

  /**
   * @param keyId the key checked against
   * @param signaturesChecked how many signatures the file holds
   * @param validSignatures the base64 signatures that verify with the key, in file order
   */
  public record Result(String keyId, int signaturesChecked, List<String> validSignatures) {
    public Result {
      validSignatures = List.copyOf(validSignatures);
    }

    public boolean anyValid() {
      return !validSignatures.isEmpty();
    }
  }

  public Result run(Request request) {
    Path pubKey = request.publicKeyFile();
    Path input = request.input();
    TufKey pub = TufKey.fromJson(MetadataJson.read(pubKey), pubKey.toString());
    JsonNode in = MetadataJson.read(input);
    JsonNode signed = in.get("signed");
    JsonNode sigs = in.get("signatures");
    if (signed == null || sigs == null || !sigs.isArray()) {
      throw new MetadataException(
          input + " is not signed JSON: expected {\"signatures\": […], \"signed\": …}");
    }
    byte[] data = CanonicalJson.encode(signed);
    List<String> valid = new ArrayList<>();
    int i = 0;
    for (JsonNode s : sigs) {
      // garage-sign's decoder refuses a signature without these; so do we, naming the file
      if (!s.path("keyid").isTextual()
          || !s.path("method").isTextual()
          || !s.path("sig").isTextual()) {
        throw new MetadataException(
            input
                + " signatures["
                + i
                + "] is not a signature: expected {\"keyid\", \"method\", \"sig\"} strings");
      }
      i++;
      String sig = s.get("sig").textValue();
      String method = s.get("method").textValue();
      try {
        SignatureMethod m = SignatureMethod.fromJson(method);
        if (m.verify(pub.publicKey(), data, Base64.getDecoder().decode(sig))) {
          valid.add(sig);
        }
      } catch (MetadataException | IllegalArgumentException e) {
        // an unknown method or bad base64 is simply not a valid signature
      }
    }
    return new Result(pub.keyId(), i, valid);
  }
}
