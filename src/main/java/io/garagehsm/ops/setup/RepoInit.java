package io.garagehsm.ops.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataException;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.metadata.RootRole;
import io.garagehsm.metadata.SignedMetadata;
import io.garagehsm.metadata.TufKey;
import io.garagehsm.metadata.TufKeyPair;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.Progress;
import io.garagehsm.ops.keys.KeyGeneration;
import io.garagehsm.pkcs11.ModuleLocator;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code init}: creates a local repository from a credentials.zip: config.json, a copy of the zip,
 * roles/root.json and keys/targets.* (a token key reference {@code targets.pkcs11} in the zip is
 * restored as such, without what names local files). Every zip is hostile: entries are read by
 * name, the root must be validly signed, URLs are checked, and config.json is written last, so a
 * failed run leaves no initialised repository.
 */
public final class RepoInit {

  /**
   * @param repo the repository to create ({@link Repository#at}); it must not be initialised
   * @param credentials the credentials.zip
   * @param reposerver server URL overriding the zip's, or null
   * @param director whether the server is a Director (the zip's api_gateway.url)
   */
  public record Request(Repository repo, Path credentials, String reposerver, boolean director) {}

  private final Progress progress;

  public RepoInit(Progress progress) {
    this.progress = progress;
  }

  public RepoInitResult run(Request rq) {
    Repository r = rq.repo();
    Path credentials = rq.credentials();
    boolean director = rq.director();
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
    ObjectNode oauth = ClientAuth.oauth(treehub.get("oauth2"), where + "treehub.json");
    boolean noAuth = treehub.path("no_auth").asBoolean(false);
    JsonNode auth;
    if (zip.has(ClientAuth.CLIENT_P12)) {
      auth = ClientAuth.mtls(zip.has(ClientAuth.SERVER_P12));
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
        rq.reposerver() != null
            ? rq.reposerver()
            : zip.text(urlEntry)
                .filter(s -> !s.isEmpty())
                .orElseThrow(
                    () ->
                        new RepoException(
                            credentials + " has no " + urlEntry + " entry",
                            "pass the server URL with --reposerver"));
    ServerUrl.check(url, rq.reposerver() != null ? "--reposerver" : where + urlEntry);
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
        "ostree", treehub.has("ostree") ? treehub.get("ostree") : MetadataJson.nodes().nullNode());
    config.put("repoServerType", director ? "Director" : "RepoServer");

    byte[] rootJson = null;
    Integer rootVersion = null;
    if (!director && zip.has("root.json")) {
      ObjectNode parsed = null;
      try {
        parsed = MetadataJson.parseObject(zip.entry("root.json").get(), where + "root.json");
      } catch (MetadataException e) {
        progress.warn(e.getMessage() + "; roles/root.json not written");
      }
      if (parsed != null) {
        rootVersion = requireTrustworthyRoot(parsed, where + "root.json");
        rootJson = MetadataJson.pretty(parsed);
      }
    }
    KeyToRestore key = targetsKey(zip, credentials, where);

    // garage-sign creates these 0700 and warns when an existing one is wider (spec §2.1)
    for (Path d : List.of(r.dir(), r.rolesDir(), r.unsignedDir(), r.keysDir())) {
      AtomicFiles.widerThanPrivate(d)
          .ifPresent(
              p ->
                  progress.warn(
                      d
                          + " has permissions "
                          + p
                          + ", wider than rwx------ (0700); run 'chmod 700 "
                          + d
                          + "'"));
    }
    List<Path> written = new ArrayList<>();
    try (RepoLock lock = r.lock()) {
      refuseInitialized(r);
      r.ensureRoleDirs();
      AtomicFiles.write(r.credentialsZip(), zip.raw(), AtomicFiles.PRIVATE);
      written.add(r.credentialsZip());
      for (String p12 : List.of(ClientAuth.CLIENT_P12, ClientAuth.SERVER_P12)) {
        Optional<byte[]> b = zip.entry(p12);
        if (b.isPresent()) {
          AtomicFiles.write(r.dir().resolve(p12), b.get(), AtomicFiles.PRIVATE);
          written.add(r.dir().resolve(p12));
        }
      }
      if (rootJson != null) {
        AtomicFiles.write(r.signedFile("root"), rootJson, AtomicFiles.PUBLIC);
        written.add(r.signedFile("root"));
      }
      if (key != null) {
        KeyDirectory keys = r.keys();
        if (key.pair != null) {
          keys.writeKeyPair("targets", key.pair);
          progress.info(KeyGeneration.savedKeys(keys.dir(), "targets"));
          written.add(keys.publicFile("targets"));
          written.add(keys.privateFile("targets"));
        } else {
          keys.writeTokenKey("targets", key.pub, key.ref);
          progress.info(
              "Saved keys to " + keys.dir() + "/{" + ClientAuth.TARGETS_PKCS11 + ", targets.pub}");
          written.add(keys.publicFile("targets"));
          written.add(keys.referenceFile("targets"));
        }
      }
      // config.json last: a run that fails before this point leaves no initialised repository
      r.writeConfig(new RepoConfig(config));
      written.add(r.configFile());
    }
    return new RepoInitResult(
        r.name(),
        credentials,
        r.dir(),
        url,
        director,
        ClientAuth.kind(auth),
        rootVersion,
        key == null ? null : key.pub.keyId(),
        key == null || key.ref == null ? null : key.ref.uri(),
        written);
  }

  /**
   * The zip's root becomes the trust anchor of every later pull: it must be a valid root signed by
   * a threshold of its own root keys (a readable but invalid one fails init; nothing written).
   * Returns its version.
   */
  private static int requireTrustworthyRoot(ObjectNode json, String what) {
    SignedMetadata md = SignedMetadata.fromJson(json.deepCopy(), what);
    RootRole root = RootRole.of(md, what).requireValid();
    SignedMetadata.Verification v = root.verify(md, RootRole.ROOT);
    if (!v.thresholdMet()) {
      throw new OperationException(
          OperationException.Kind.FAILED,
          what + " is not signed by a threshold of its own root keys: " + v.describe(),
          "use the credentials.zip as downloaded from OTA Connect");
    }
    return root.version();
  }

  private static void refuseInitialized(Repository r) {
    if (Files.exists(r.configFile())) {
      throw new RepoException(
          "repository '" + r.name() + "' is already initialized (" + r.configFile() + ")",
          "use another -r name, or another --home-dir");
    }
  }

  private KeyToRestore targetsKey(CredentialsZip zip, Path credentials, String where) {
    Optional<byte[]> pubBytes = zip.entry("targets.pub");
    if (pubBytes.isEmpty()) {
      return null;
    }
    String pkcs11 = ClientAuth.TARGETS_PKCS11;
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
      if (zip.has(pkcs11)) {
        JsonNode ref = MetadataJson.parse(zip.entry(pkcs11).get(), where + pkcs11);
        String uri = ref.path("uri").asText(null);
        String keyId = ref.path("keyid").asText(null);
        if (uri == null || keyId == null || !ref.get("uri").isTextual()) {
          throw new MetadataException(
              where + pkcs11 + " is not a token key reference (needs uri and keyid)");
        }
        if (!keyId.equals(pub.keyId())) {
          throw new MetadataException(
              where + pkcs11 + " names key " + keyId + " but targets.pub is " + pub.keyId());
        }
        return new KeyToRestore(pub, null, new TokenReference(localModuleOnly(uri, where), keyId));
      }
      progress.warn(credentials + " has targets.pub but no targets.sec; keys not saved");
    } catch (MetadataException e) {
      progress.warn(e.getMessage() + "; keys/targets.* not written");
    }
    return null;
  }

  /**
   * The zip's token URI without what names local files: a zip never chooses the library garage-hsm
   * loads (that would run its code) nor a file to read a PIN from.
   */
  private String localModuleOnly(String uri, String where) {
    Pkcs11Uri parsed;
    try {
      parsed = Pkcs11Uri.parse(uri);
    } catch (TokenException | IllegalArgumentException e) {
      throw new MetadataException(
          where + ClientAuth.TARGETS_PKCS11 + " holds no valid pkcs11: URI: " + e.getMessage());
    }
    Pkcs11Uri kept = parsed.withoutLocalFiles();
    if (!kept.equals(parsed)) {
      List<String> dropped = new ArrayList<>();
      parsed.modulePath().ifPresent(v -> dropped.add("module-path=" + v));
      parsed.pinSource().ifPresent(v -> dropped.add("pin-source=" + v));
      if (parsed.moduleName().isPresent() && kept.moduleName().isEmpty()) {
        dropped.add("module-name=" + parsed.moduleName().get());
      }
      progress.warn(
          "ignored "
              + String.join(", ", dropped)
              + " from "
              + where
              + ClientAuth.TARGETS_PKCS11
              + ": a credentials zip never chooses the PKCS#11 module or a PIN file; the module"
              + " comes from --module, "
              + ModuleLocator.MODULE_ENV
              + ", the p11-kit registry or the known install paths");
    }
    return kept.toString();
  }

  private record KeyToRestore(TufKey pub, TufKeyPair pair, TokenReference ref) {}
}
