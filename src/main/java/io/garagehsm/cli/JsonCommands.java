package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.CanonicalJson;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.TokenReference;
import io.garagehsm.signing.FileSigner;
import io.garagehsm.signing.MetadataSigner;
import io.garagehsm.signing.Signer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sign-json} and {@code verify-json}. */
final class JsonCommands {
  private JsonCommands() {}

  @Command(
      name = "sign-json",
      description = {
        "Sign any JSON object: prints {\"signatures\":[…],\"signed\":<input>}; the signature"
            + " covers the input's canonical form (number literals as written).",
        "-k takes a .sec key file, a token key reference file (.pkcs11) or a pkcs11: URI."
      })
  static final class SignJson implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-k", "--priv-key"},
        required = true,
        paramLabel = "<sec|pkcs11>",
        description = "Private key: .sec file, .pkcs11 reference file, or pkcs11: URI.")
    String privKey;

    @Option(
        names = {"-p", "--pub-key"},
        required = true,
        paramLabel = "<pub>",
        description = "Public key file (.pub) of that key.")
    Path pubKey;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<json>",
        description = "JSON file to sign.")
    Path input;

    SignJson(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      TufKey pub = TufKey.fromJson(MetadataJson.read(pubKey), pubKey.toString());
      JsonNode in = MetadataJson.read(input);
      if (!in.isObject()) {
        throw new MetadataException(input + " must hold a JSON object");
      }
      SignedMetadata md = SignedMetadata.unsigned((ObjectNode) in);
      SignedMetadata out;
      try (Signer signer = signer(pub)) {
        out = MetadataSigner.sign(md, List.of(signer));
      }
      byte[] b = MetadataJson.pretty(out.toJson());
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
      return ExitCodes.OK;
    }

    private Signer signer(TufKey pub) {
      if (privKey.startsWith("pkcs11:")) {
        return ctx.tokens().open(privKey, pub, null);
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
        return ctx.tokens().open(ref.uri(), pub, name);
      }
      return new FileSigner(TufKeyPair.fromJson(MetadataJson.read(p), pub, privKey), privKey);
    }
  }

  @Command(
      name = "verify-json",
      description = {
        "Check the signatures of a signed JSON file against one public key, whatever their"
            + " key IDs. Prints 'Valid signatures: List(<sig>, …)' (those that verify) or"
            + " 'Invalid signatures'; exits 0 in both cases."
      })
  static final class VerifyJson implements Callable<Integer> {
    private final CliContext ctx;

    @Option(
        names = {"-p", "--pub-key"},
        required = true,
        paramLabel = "<pub>",
        description = "Public key file (.pub).")
    Path pubKey;

    @Option(
        names = {"-i", "--input"},
        required = true,
        paramLabel = "<json>",
        description = "Signed JSON file.")
    Path input;

    VerifyJson(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
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
      ctx.out()
          .println(
              valid.isEmpty()
                  ? "Invalid signatures"
                  : "Valid signatures: List(" + String.join(", ", valid) + ")");
      return ExitCodes.OK;
    }
  }
}
