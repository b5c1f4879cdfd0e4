package io.garagehsm.ops.targets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.garagehsm.metadata.MetadataJson;
import io.garagehsm.ops.OperationContext;
import io.garagehsm.ops.OperationException;
import io.garagehsm.ops.OperationException.Kind;
import io.garagehsm.ops.OperationResult;
import io.garagehsm.repo.Repository;
import io.garagehsm.server.ServerException;
import io.garagehsm.server.TufServerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** {@code targets upload}: uploads a binary under the target filename {@code <name>-<version>}. */
public final class UploadTarget {
  /** The real reposerver's answer when it stores targets locally (compat spec Appendix C). */
  static final String LOCAL_STORAGE =
      "out of band storage of target is not supported for local storage";

  /**
   * @param repo the image repository
   * @param input the binary
   * @param name target name
   * @param version target version
   * @param timeout time allowed for the upload
   */
  public record Request(
      Repository repo, Path input, String name, String version, Duration timeout) {}

  /**
   * What was uploaded.
   *
   * @param input the local file
   * @param filename the target filename on the server
   * @param length its length in bytes
   * @param multipart whether it went up in parts
   */
  public record Result(Path input, String filename, long length, boolean multipart)
      implements OperationResult {
    @Override
    public String summary() {
      return "Uploaded "
          + input
          + " ("
          + length
          + " bytes) as "
          + filename
          + (multipart ? " (multipart)" : "");
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = MetadataJson.object();
      o.put("command", "targets upload");
      o.put("input", input.toString());
      o.put("filename", filename);
      o.put("length", length);
      o.put("multipart", multipart);
      return o;
    }
  }

  private final OperationContext ops;

  public UploadTarget(OperationContext ops) {
    this.ops = ops;
  }

  public Result run(Request request) {
    Repository repo = ImageRepository.requireForServer(request.repo());
    Path input = request.input();
    if (!Files.isRegularFile(input)) {
      throw new OperationException(Kind.FAILED, input + " does not exist or is not a file", null);
    }
    String filename = request.name() + "-" + request.version();
    TufServerClient client = ops.server(repo);
    TufServerClient.UploadMethod how;
    try {
      how = client.upload(filename, input, request.timeout());
    } catch (ServerException e) {
      if (e.status() == 500 && String.valueOf(e.getMessage()).contains(LOCAL_STORAGE)) {
        throw new OperationException(
            Kind.FAILED,
            "the server at "
                + client.server()
                + " does not accept uploads: it keeps targets in local storage (HTTP 500 \""
                + LOCAL_STORAGE
                + "\")",
            "this is a setting of the reposerver, not a problem of the file: upload to a"
                + " reposerver with S3 or Azure target storage, or host the binary elsewhere and"
                + " add it with 'targets add --url …'",
            e);
      }
      throw e;
    }
    try {
      return new Result(
          input, filename, Files.size(input), how == TufServerClient.UploadMethod.MULTIPART);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
