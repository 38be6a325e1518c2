package io.tokenwarden.contracts;

import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A Kafka serde for one Avro SpecificRecord type in Avro single-object encoding: {@code C3 01}, the 8-byte
 * little-endian CRC-64-AVRO fingerprint of the writer schema, then the binary body.
 *
 * <p>The writer schema is resolved from {@link SchemaHistory#schemaStore()}, so every released version
 * decodes. A null value (a tombstone) stays null both ways.
 */
public final class AvroSerde<T extends SpecificRecord> implements AvroCodec<T> {

  static {
    // Avro 1.12 resolves generated classes by name only if they are trusted; ours are.
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
        ClassSecurityValidator.getGlobal(),
        c -> c.getName().startsWith("io.tokenwarden.schema.")));
  }

  private final Class<T> type;
  private final DatumWriter<T> writer;
  private final long fingerprint;
  private final BinaryMessageDecoder<T> decoder;

  private AvroSerde(Class<T> type) {
    this.type = type;
    SpecificData model = SpecificData.getForClass(type);
    var schema = model.getSchema(type);
    this.writer = model.createDatumWriter(schema);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, SchemaHistory.schemaStore());
  }

  /** A serde for {@code type}, a class generated from one of our {@code .avsc} files. */
  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
    return new AvroSerde<>(type);
  }

  /**
   * Encodes one record; the inverse of {@link #decode(byte[])}. Byte for byte what Avro's
   * {@code BinaryMessageEncoder} writes, into a reused per-thread buffer and copied once.
   */
  @Override
  public byte[] encode(T record) {
    try {
      EncodeBuffer out = EncodeBuffer.acquire();
      out.write(0xC3);
      out.write(0x01);
      out.writeLongLittleEndian(fingerprint);
      writer.write(record, out.encoder());
      return out.toByteArray();
    } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
      throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** Decodes one record, resolving the writer schema by fingerprint. */
  @Override
  public T decode(byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | IllegalArgumentException e) {
      // Message names the type and cause only: payload bytes may hold sealed credentials.
      throw new SerializationException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AvroSerde[" + type.getSimpleName() + "]";
  }
}
