package io.garagehsm.metadata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import java.io.IOException;

/**
 * A JSON number kept exactly as its source literal ({@code 1.50}, {@code 1e3}, {@code -0}). ota-tuf
 * signs number literals as written, so re-printing a parsed double would change the signed bytes.
 */
public record RawNumber(String literal) implements JsonSerializable {

  @Override
  public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
    gen.writeNumber(literal);
  }

  @Override
  public void serializeWithType(
      JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
      throws IOException {
    serialize(gen, serializers);
  }

  @Override
  public String toString() {
    return literal;
  }
}
