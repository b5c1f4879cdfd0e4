package io.garagehsm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.InputFile;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.pkcs11.Pkcs11Uri;
import io.garagehsm.pkcs11.TokenException;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.CredentialsZip;
import io.garagehsm.repo.KeyDirectory;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.RepoException;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import io.garagehsm.repo.ServerUrl;
import io.garagehsm.repo.TokenReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code init}, {@code import-client-cert} and {@code export-credentials}. */
final class RepoSetupCommands {
  static final String CLIENT_P12 = "client_auth.p12";
  static final String SERVER_P12 = "server.p12";
  static final String TARGETS_PKCS11 = "targets" + TokenReference.SUFFIX;

  private RepoSetupCommands() {}

  /** The mutual-TLS {@code auth} shape of config.json. */
  static ObjectNode mtlsAuth(boolean withServerCert) {
    ObjectNode a = MetadataJson.object();
    a.put("certPath", CLIENT_P12);
    if (withServerCert) {
      a.put("serverCertPath", SERVER_P12);
    } else {
      a.putNull("serverCertPath");
    }
    return a;
  }

  @Command(
      name = "init",
      description = {
        "Create a local repository <home>/<repo> from a credentials.zip: config.json, a copy"
            + " of the zip, roles/root.json and keys/targets.* (a token key reference"
            + " targets.pkcs11 in the zip is restored as such, without its module-path and"
            + " pin-source: the module comes from --module, GARAGE_HSM_MODULE, p11-kit or the"
            + " known paths).",
        "Zip entries are read by name only; a zip with absolute or '..' entry names is refused."
      })
  static final class Init implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-c", "--credentials"},
        required = true,
        paramLabel = "<zip>",
        description = "credentials.zip from OTA Connect (or from 'export-credentials').")
    Path credentials;

    @Option(
        names = "--reposerver",
        paramLabel = "<uri>",
        description = "Repository server URL; overrides the zip's tufrepo.url.")
    String reposerver;

    @Option(
        names = {"-t", "--servertype"},
        paramLabel = "reposerver|director",
        defaultValue = "reposerver",
        description = "Server type (default: ${DEFAULT-VALUE}).")
    String servertype;

    Init(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      boolean director;
      switch (servertype) {
        case "reposerver" -> director = false;
        case "director" -> director = true;
        default ->
            throw new CliException(
                ExitCodes.USAGE,
                "Invalid server type: " + servertype + " valid: (reposerver, director)",
                null);
      }
      Repository r = Repository.at(ctx.home(), repo.repo);
      refuseInitialized(r);
      CredentialsZip zip = CredentialsZip.read(credentials);
      String where = credentials + "!";
      ObjectNode treehub =
          MetadataJson.parseObject(
              zip.entry("treehub.json")
                  .orElseThrow(
                      () ->
                          new RepoException(
                              credentials + " has no treehub.json entry",
                              "use the credentials.zip as downloaded from OTA Connect")),
              where + "treehub.json");
      ObjectNode oauth = oauth(treehub.get("oauth2"), where + "treehub.json");
      boolean noAuth = treehub.path("no_auth").asBoolean(false);
      JsonNode auth;
      if (zip.has(CLIENT_P12)) {
        auth = mtlsAuth(zip.has(SERVER_P12));
      } else if (oauth != null) {
        auth = oauth;
      } else if (noAuth) {
        auth = MetadataJson.nodes().nullNode();
      } else {
        throw new RepoException(
            where + "treehub.json: auth required with no_auth: false",
            "the zip needs oauth2 credentials, client_auth.p12, or \"no_auth\": true");
      }
      String urlEntry = director ? "api_gateway.url" : "tufrepo.url";
      String url =
          reposerver != null
              ? reposerver
              : zip.text(urlEntry)
                  .filter(s -> !s.isEmpty())
                  .orElseThrow(
                      () ->
                          new RepoException(
                              credentials + " has no " + urlEntry + " entry",
                              "pass the server URL with --reposerver"));
      ServerUrl.check(url, reposerver != null ? "--reposerver" : where + urlEntry);
      JsonNode ostreeServer = treehub.path("ostree").path("server");
      if (ostreeServer.isTextual()) {
        ServerUrl.check(ostreeServer.textValue(), where + "treehub.json: ostree.server");
      }
      ObjectNode config = MetadataJson.object();
      config.put("reposerver", url);
      config.set("auth", auth);
      ObjectNode th = config.putObject("treehub");
      th.set("oauth2", oauth == null ? MetadataJson.nodes().nullNode() : oauth);
      th.put("no_auth", noAuth);
      th.set(
          "ostree",
          treehub.has("ostree") ? treehub.get("ostree") : MetadataJson.nodes().nullNode());
      config.put("repoServerType", director ? "Director" : "RepoServer");

      byte[] rootJson = null;
      if (!director && zip.has("root.json")) {
        ObjectNode parsed = null;
        try {
          parsed = MetadataJson.parseObject(zip.entry("root.json").get(), where + "root.json");
        } catch (MetadataException e) {
          ctx.warn(e.getMessage() + "; roles/root.json not written");
        }
        if (parsed != null) {
          requireTrustworthyRoot(parsed, where + "root.json");
          rootJson = MetadataJson.pretty(parsed);
        }
      }
      KeyToRestore key = targetsKey(zip, where);

      // garage-sign creates these 0700 and warns when an existing one is wider (spec §2.1)
      for (Path d : List.of(r.dir(), r.rolesDir(), r.unsignedDir(), r.keysDir())) {
        AtomicFiles.widerThanPrivate(d)
            .ifPresent(
                p ->
                    ctx.warn(
                        d
                            + " has permissions "
                            + p
                            + ", wider than rwx------ (0700); run 'chmod 700 "
                            + d
                            + "'"));
      }
      try (RepoLock lock = r.lock()) {
        refuseInitialized(r);
        r.ensureRoleDirs();
        AtomicFiles.write(r.credentialsZip(), zip.raw(), AtomicFiles.PRIVATE);
        for (String p12 : List.of(CLIENT_P12, SERVER_P12)) {
          Optional<byte[]> b = zip.entry(p12);
          if (b.isPresent()) {
            AtomicFiles.write(r.dir().resolve(p12), b.get(), AtomicFiles.PRIVATE);
          }
        }
        if (rootJson != null) {
          AtomicFiles.write(r.signedFile("root"), rootJson, AtomicFiles.PUBLIC);
        }
        if (key != null) {
          KeyDirectory keys = r.keys();
          if (key.pair != null) {
            keys.writeKeyPair("targets", key.pair);
            ctx.info(KeySpecOptions.savedKeys(keys.dir(), "targets"));
          } else {
            keys.writeTokenKey("targets", key.pub, key.ref);
            ctx.info("Saved keys to " + keys.dir() + "/{" + TARGETS_PKCS11 + ", targets.pub}");
          }
        }
        // config.json last: a run that fails before this point leaves no initialised repository
        r.writeConfig(new RepoConfig(config));
      }
      ctx.info("Finished init for " + repo.repo + " using " + credentials);
      return ExitCodes.OK;
    }

    /**
     * The zip's root becomes the trust anchor of every later pull: it must be a valid root signed
     * by a threshold of its own root keys (a readable but invalid one fails init; nothing written).
     */
    private static void requireTrustworthyRoot(ObjectNode json, String what) {
      SignedMetadata md = SignedMetadata.fromJson(json.deepCopy(), what);
      RootRole root = RootRole.of(md, what).requireValid();
      SignedMetadata.Verification v = root.verify(md, RootRole.ROOT);
      if (!v.thresholdMet()) {
        throw new CliException(
            ExitCodes.OTHER,
            what + " is not signed by a threshold of its own root keys: " + v.describe(),
            "use the credentials.zip as downloaded from OTA Connect");
      }
    }

    private static void refuseInitialized(Repository r) {
      if (Files.exists(r.configFile())) {
        throw new RepoException(
            "repository '" + r.name() + "' is already initialized (" + r.configFile() + ")",
            "use another -r name, or another --home-dir");
      }
    }

    private KeyToRestore targetsKey(CredentialsZip zip, String where) {
      Optional<byte[]> pubBytes = zip.entry("targets.pub");
      if (pubBytes.isEmpty()) {
        return null;
      }
      try {
        TufKey pub =
            TufKey.fromJson(
                MetadataJson.parse(pubBytes.get(), where + "targets.pub"), where + "targets.pub");
        if (zip.has("targets.sec")) {
          TufKeyPair pair =
              TufKeyPair.fromJson(
                  MetadataJson.parse(zip.entry("targets.sec").get(), where + "targets.sec"),
                  pub,
                  where + "targets.sec");
          return new KeyToRestore(pub, pair, null);
        }
        if (zip.has(TARGETS_PKCS11)) {
          JsonNode ref =
              MetadataJson.parse(zip.entry(TARGETS_PKCS11).get(), where + TARGETS_PKCS11);
          String uri = ref.path("uri").asText(null);
          String keyId = ref.path("keyid").asText(null);
          if (uri == null || keyId == null || !ref.get("uri").isTextual()) {
            throw new MetadataException(
                where + TARGETS_PKCS11 + " is not a token key reference (needs uri and keyid)");
          }
          if (!keyId.equals(pub.keyId())) {
            throw new MetadataException(
                where
                    + TARGETS_PKCS11
                    + " names key "
                    + keyId
                    + " but targets.pub is "
                    + pub.keyId());
          }
          return new KeyToRestore(
              pub, null, new TokenReference(localModuleOnly(uri, where), keyId));
        }
        ctx.warn(credentials + " has targets.pub but no targets.sec; keys not saved");
      } catch (MetadataException e) {
        ctx.warn(e.getMessage() + "; keys/targets.* not written");
      }
      return null;
    }

    /**
     * The zip's token URI without what names local files: a zip never chooses the library
     * garage-hsm loads (that would run its code) nor a file to read a PIN from.
     */
    private String localModuleOnly(String uri, String where) {
      Pkcs11Uri parsed;
      try {
        parsed = Pkcs11Uri.parse(uri);
      } catch (TokenException | IllegalArgumentException e) {
        throw new MetadataException(
            where + TARGETS_PKCS11 + " holds no valid pkcs11: URI: " + e.getMessage());
      }
      Pkcs11Uri kept = parsed.withoutLocalFiles();
      if (!kept.equals(parsed)) {
        List<String> dropped = new java.util.ArrayList<>();
        parsed.modulePath().ifPresent(v -> dropped.add("module-path=" + v));
        parsed.pinSource().ifPresent(v -> dropped.add("pin-source=" + v));
        if (parsed.moduleName().isPresent() && kept.moduleName().isEmpty()) {
          dropped.add("module-name=" + parsed.moduleName().get());
        }
        ctx.warn(
            "ignored "
                + String.join(", ", dropped)
                + " from "
                + where
                + TARGETS_PKCS11
                + ": a credentials zip never chooses the PKCS#11 module or a PIN file; the module"
                + " comes from --module, "
                + io.garagehsm.pkcs11.ModuleLocator.MODULE_ENV
                + ", the p11-kit registry or the known install paths");
      }
      return kept.toString();
    }

    private record KeyToRestore(TufKey pub, TufKeyPair pair, TokenReference ref) {}
  }

  /** The OAuth2 object of treehub.json, normalised (scope defaults to "none"), or null. */
  static ObjectNode oauth(JsonNode n, String what) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new RepoException(what + ": oauth2 is not an object", null);
    }
    ObjectNode o = MetadataJson.object();
    for (String f : List.of("server", "client_id", "client_secret")) {
      JsonNode v = n.get(f);
      if (v == null || !v.isTextual()) {
        throw new RepoException(what + ": oauth2 needs a string \"" + f + "\"", null);
      }
      o.put(f, v.textValue());
    }
    ServerUrl.check(o.get("server").textValue(), what + ": oauth2.server");
    JsonNode scope = n.get("scope");
    o.put("scope", scope != null && scope.isTextual() ? scope.textValue() : "none");
    return o;
  }

  @Command(
      name = "import-client-cert",
      description =
          "Switch a repository to mutual TLS: copy the PKCS#12 client certificate (and the"
              + " server trust store) into it and point config.json's auth at them.")
  static final class ImportClientCert implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-c", "--client-cert"},
        required = true,
        paramLabel = "<p12>",
        description = "Client certificate and key, PKCS#12 with an empty password.")
    Path clientCert;

    @Option(
        names = {"-s", "--server-cert"},
        paramLabel = "<p12>",
        description = "Server trust store, PKCS#12 with an empty password.")
    Path serverCert;

    ImportClientCert(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      byte[] client = read(clientCert);
      byte[] server = serverCert == null ? null : read(serverCert);
      try (RepoLock lock = r.lock()) {
        RepoConfig c = r.config();
        ObjectNode json = c.json().deepCopy();
        json.set("auth", mtlsAuth(server != null));
        AtomicFiles.write(r.dir().resolve(CLIENT_P12), client, AtomicFiles.PRIVATE);
        if (server != null) {
          AtomicFiles.write(r.dir().resolve(SERVER_P12), server, AtomicFiles.PRIVATE);
        }
        r.writeConfig(new RepoConfig(json));
      }
      ctx.info("Imported client certificate into " + r.dir());
      return ExitCodes.OK;
    }

    private static byte[] read(Path p) {
      byte[] b = InputFile.read(p, InputFile.SMALL_FILE_MAX, "a PKCS#12 file");
      if (b.length == 0) {
        throw new RepoException(p + " is empty, expected a PKCS#12 file", null);
      }
      return b;
    }
  }

  @Command(
      name = "export-credentials",
      description = {
        "Write a credentials zip for this repository with the chosen key as targets.pub /"
            + " targets.sec.",
        "For a token key, the zip holds targets.pub and the reference targets.pkcs11 instead"
            + " (no private key); 'init' restores it as a token key."
      })
  static final class ExportCredentials implements Callable<Integer> {
    private final CliContext ctx;
    @Mixin RepoOption repo;

    @Option(
        names = {"-k", "--key-name"},
        required = true,
        paramLabel = "<name>",
        description = "Key in keys/ exported as the targets key (only the first is used).")
    List<String> keyNames;

    @Option(
        names = {"-o", "--output"},
        required = true,
        paramLabel = "<zip>",
        description = "Zip file to write (mode 0600: it may hold a private key).")
    Path output;

    ExportCredentials(CliContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      Repository r = ctx.repo(repo.repo);
      r.refuseOutputInside(output, "--output");
      String k = keyNames.get(0);
      if (keyNames.size() > 1) {
        ctx.warn("only the first --key-name is exported: " + k);
      }
      byte[] zip;
      try (RepoLock lock = r.lock()) {
        RepoConfig c = r.config();
        KeyDirectory keys = r.keys();
        TufKey pub = keys.publicKey(k);
        LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
        ObjectNode treehub =
            c.treehub() instanceof ObjectNode t ? t.deepCopy() : MetadataJson.object();
        JsonNode auth = c.auth();
        boolean isOauth = auth != null && auth.isObject() && auth.has("client_id");
        treehub.set("oauth2", isOauth ? auth.deepCopy() : MetadataJson.nodes().nullNode());
        entries.put("treehub.json", MetadataJson.pretty(treehub));
        entries.put(
            "tufrepo.url",
            (c.reposerver() == null ? "" : c.reposerver()).getBytes(StandardCharsets.UTF_8));
        entries.put("targets.pub", MetadataJson.pretty(pub.toJson()));
        if (keys.hasPrivateFile(k)) {
          entries.put("targets.sec", MetadataJson.pretty(keys.keyPair(k).privateJson()));
        } else {
          TokenReference ref =
              keys.tokenReference(k)
                  .orElseThrow(
                      () ->
                          new RepoException(
                              "key '" + k + "' has only a public key; nothing to export",
                              "export a key with a .sec file or a token reference"));
          entries.put(TARGETS_PKCS11, MetadataJson.pretty(ref.toJson()));
        }
        if (Files.isRegularFile(r.signedFile("root"))) {
          entries.put("root.json", MetadataJson.pretty(MetadataJson.read(r.signedFile("root"))));
        } else {
          ctx.warn(r.signedFile("root") + " does not exist; the zip has no root.json");
        }
        if (Files.isRegularFile(r.credentialsZip())) {
          CredentialsZip old = CredentialsZip.read(r.credentialsZip());
          for (String name : old.names()) {
            if (name.equals("targets.pub")
                || name.equals("targets.sec")
                || name.equals(TARGETS_PKCS11)
                || entries.containsKey(name)) {
              continue;
            }
            entries.put(name, old.entry(name).get());
          }
        }
        zip = CredentialsZip.build(entries);
      }
      AtomicFiles.write(output, zip, AtomicFiles.PRIVATE);
      ctx.info("Exported credentials with key " + k + " to " + output);
      return ExitCodes.OK;
    }
  }
}
