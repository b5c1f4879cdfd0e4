package io.garagehsm.cli;

import io.garagehsm.ops.json.SignJson;
import io.garagehsm.ops.json.VerifyJson;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sign-json} and {@code verify-json}. */
final class JsonCommands {
  private JsonCommands() {}

  @Command(
      addMethodSubcommands = false,
      name = "sign-json",
      description = {
        "Sign any JSON object: prints {\"signatures\":[…],\"signed\":<input>}; the signature"
            + " covers the input's canonical form (number literals as written).",
        "-k takes a .sec key file, a token key reference file (.pkcs11) or a pkcs11: URI."
      })
  static final class SignJsonCommand implements Callable<Integer> {
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

    SignJsonCommand(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      SignJson.Result result =
          new SignJson(ctx.tokenSigners()).run(new SignJson.Request(privKey, pubKey, input));
      byte[] b = result.signedJson();
      ctx.out().write(b, 0, b.length);
      ctx.out().println();
      ctx.out().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      addMethodSubcommands = false,
      name = "verify-json",
      description = {
        "Check the signatures of a signed JSON file against one public key, whatever their"
            + " key IDs. Prints 'Valid signatures: List(<sig>, …)' (those that verify) or"
            + " 'Invalid signatures'; exits 0 in both cases."
      })
  static final class VerifyJsonCommand implements Callable<Integer> {
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

    VerifyJsonCommand(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      VerifyJson.Result result = new VerifyJson().run(new VerifyJson.Request(pubKey, input));
      ctx.out()
          .println(
              result.anyValid()
                  ? "Valid signatures: List(" + String.join(", ", result.validSignatures()) + ")"
                  : "Invalid signatures");
      return ExitCodes.OK;
    }
  }
}
