package io.tokenwarden.contracts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
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

  private static final int HEADER_BYTES = 10;

  private final Class<T> type;
  private final DatumWriter<T> writer;
  private final long fingerprint;
  /** Readers by writer-schema fingerprint; the store holds only our released versions, so this stays small. */
  private final Map<Long, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

  private AvroSerde(Class<T> type) {
    this.type = type;
    SpecificData model = SpecificData.getForClass(type);
    var schema = model.getSchema(type);
    this.writer = model.createDatumWriter(schema);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
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
      if (bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
        throw new BadHeaderException("not Avro single-object encoding (C3 01 and an 8-byte fingerprint)");
      }
      long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      SpecificDatumReader<T> reader = readers.computeIfAbsent(fingerprint, this::readerFor);
      int body = bytes.length - HEADER_BYTES;
      // Bounded: a length prefix larger than the record is rejected before anything is allocated for it.
      return reader.read(null, new BoundedDecoder(
          DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, body, null), body));
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | IllegalArgumentException
        | ClassCastException | NegativeArraySizeException e) {
      // Message names the type and cause only: payload bytes may hold sealed credentials.
      throw new SerializationException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private SpecificDatumReader<T> readerFor(long fingerprint) {
    Schema writer = SchemaHistory.schemaStore().findByFingerprint(fingerprint);
    if (writer == null) {
      throw new MissingSchemaException("no released schema has fingerprint " + Long.toHexString(fingerprint));
    }
    SpecificData model = SpecificData.getForClass(type);
    return new SpecificDatumReader<>(writer, model.getSchema(type), model);
  }

  @Override
  public String toString() {
    return "AvroSerde[" + type.getSimpleName() + "]";
  }
}
