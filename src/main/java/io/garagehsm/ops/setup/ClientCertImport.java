package io.garagehsm.ops.setup;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.InputFile;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.AtomicFiles;
import io.garagehsm.repo.RepoConfig;
import io.garagehsm.repo.RepoException;
import io.garagehsm.repo.RepoLock;
import io.garagehsm.repo.Repository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code import-client-cert}: switches a repository to mutual TLS: copies the PKCS#12 client
 * certificate (and the server trust store) into it and points config.json's auth at them.
 */
public final class ClientCertImport {

  /**
   * @param repo the repository
   * @param clientCert client certificate and key, PKCS#12 with an empty password
   * @param serverCert server trust store, PKCS#12, or null
   */
  public record Request(Repository repo, Path clientCert, Path serverCert) {}

  /**
   * @param dir the repository folder
   * @param filesWritten the certificate files and config.json, in the order written
   */
  public record Result(Path dir, List<Path> filesWritten) implements OperationResult {
    public Result {
      filesWritten = List.copyOf(filesWritten);
    }

    /** Whether a server trust store was imported too. */
    public boolean serverTrustStore() {
      return filesWritten.stream().anyMatch(p -> p.endsWith(ClientAuth.SERVER_P12));
    }

    @Override
    public String summary() {
      return "Imported client certificate into "
          + dir
          + " ("
          + filesWritten.stream()
              .map(p -> p.getFileName().toString())
              .collect(Collectors.joining(", "))
          + "); the repository now uses mutual TLS"
          + (serverTrustStore() ? " with its own server trust store" : "");
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "import-client-cert");
      o.put("dir", dir.toString());
      o.put("auth", "mtls");
      o.put("serverTrustStore", serverTrustStore());
      ArrayNode f = o.putArray("filesWritten");
      filesWritten.forEach(p -> f.add(p.toString()));
      return o;
    }
  }

  private ClientCertImport() {}

  public static Result run(Request rq) {
    Repository r = rq.repo();
    byte[] client = read(rq.clientCert());
    byte[] server = rq.serverCert() == null ? null : read(rq.serverCert());
    List<Path> written = new ArrayList<>();
    try (RepoLock lock = r.lock()) {
      ObjectNode json = r.config().json().deepCopy();
      json.set("auth", ClientAuth.mtls(server != null));
      AtomicFiles.write(r.dir().resolve(ClientAuth.CLIENT_P12), client, AtomicFiles.PRIVATE);
      written.add(r.dir().resolve(ClientAuth.CLIENT_P12));
      if (server != null) {
        AtomicFiles.write(r.dir().resolve(ClientAuth.SERVER_P12), server, AtomicFiles.PRIVATE);
        written.add(r.dir().resolve(ClientAuth.SERVER_P12));
      }
      r.writeConfig(new RepoConfig(json));
      written.add(r.configFile());
    }
    return new Result(r.dir(), written);
  }

  private static byte[] read(Path p) {
    byte[] b = InputFile.read(p, InputFile.SMALL_FILE_MAX, "a PKCS#12 file");
    if (b.length == 0) {
      throw new RepoException(p + " is empty, expected a PKCS#12 file", null);
    }
    return b;
  }
}
