package io.tokenwarden.contracts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A Kafka serde for one Avro SpecificRecord type in the Confluent wire format: magic byte {@code 0}, the 4-byte
 * big-endian schema id, then the Avro binary body, byte for byte what Confluent's {@code KafkaAvroSerializer}
 * writes, so that its {@code KafkaAvroDeserializer} (in any language) reads what this writes, and the other way
 * round.
 *
 * <p>The subject is the topic's {@code <topic>-value} ({@code TopicNameStrategy}). The writer's id is looked up
 * once and cached; it is registered only when {@code autoRegister} is set. A reader fetches the writer schema by
 * id (cached) and resolves it against the generated class's schema. A registry that cannot be reached is a
 * {@link SchemaRegistryUnavailableException}, never a {@link SerializationException}: the record is fine.
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements AvroCodec<T> {

  /** The first byte of every record in the Confluent wire format. */
  public static final byte MAGIC = 0;
  /** Magic byte and schema id. */
  public static final int HEADER_BYTES = 5;

  private final Class<T> type;
  private final SpecificData model;
  private final Schema schema;
  private final SpecificDatumWriter<T> writer;
  private final SchemaRegistryClient registry;
  private final String subject;
  private final boolean autoRegister;
  private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
  private volatile int writerId = -1;

  private ConfluentAvroSerde(Class<T> type, SchemaRegistryClient registry, String subject, boolean autoRegister) {
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    this.writer = new SpecificDatumWriter<>(schema, model);
    this.registry = registry;
    this.subject = subject;
    this.autoRegister = autoRegister;
  }

  /** A serde of {@code type} values on {@code topic}, whose subject is {@code <topic>-value}. */
  public static <T extends SpecificRecord> ConfluentAvroSerde<T> of(Class<T> type, String topic,
      SchemaRegistryClient registry, boolean autoRegister) {
    return new ConfluentAvroSerde<>(type, registry, subject(topic), autoRegister);
  }

  /** The {@code TopicNameStrategy} subject of a topic's values. */
  public static String subject(String topic) {
    return topic + "-value";
  }

  /** The subject this serde writes under. */
  public String subject() {
    return subject;
  }

  /** The schema this serde writes: the generated class's. */
  public Schema schema() {
    return schema;
  }

  /** The writer's schema id, looked up (or registered) on first use; a clear error if it cannot be had. */
  public int writerId() {
    int id = writerId;
    if (id < 0) {
      try {
        id = registry.idFor(subject, schema, autoRegister);
      } catch (SchemaRegistryException e) {
        throw new SerializationException("cannot write " + type.getSimpleName() + ": " + e.getMessage(), e);
      }
      writerId = id;
    }
    return id;
  }

  /** Encodes one record; the inverse of {@link #decode(byte[])}. */
  @Override
  public byte[] encode(T record) {
    int id = writerId();
    EncodeBuffer out = EncodeBuffer.acquire();
    out.write(MAGIC);
    out.writeIntBigEndian(id);
    try {
      writer.write(record, out.encoder());
    } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
      throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** Decodes one record, resolving the writer schema by the id it carries. */
  @Override
  public T decode(byte[] bytes) {
    if (bytes.length < HEADER_BYTES || bytes[0] != MAGIC) {
      throw new SerializationException("cannot decode " + type.getSimpleName()
          + ": not the Confluent wire format (magic byte 0 and a 4-byte schema id)");
    }
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    SpecificDatumReader<T> reader = readers.get(id);
    if (reader == null) {
      Schema writerSchema;
      try {
        writerSchema = registry.schemaById(id);
      } catch (SchemaRegistryException e) {
        throw new SerializationException("cannot decode " + type.getSimpleName() + " with schema id " + id + ": "
            + e.getMessage(), e);
      }
      reader = new SpecificDatumReader<>(writerSchema, schema, model);
      if (readers.size() < SchemaRegistryClient.MAX_CACHED) {
        readers.put(id, reader);
      }
    }
    try {
      int body = bytes.length - HEADER_BYTES;
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, body, null);
      // Bounded: a length prefix larger than the record is rejected before anything is allocated for it.
      return reader.read(null, new BoundedDecoder(decoder, body));
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | IllegalArgumentException
        | ClassCastException | NegativeArraySizeException e) {
      // Message names the type, id and cause only: payload bytes may hold sealed credentials.
      throw new SerializationException("cannot decode " + type.getSimpleName() + " with schema id " + id + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ConfluentAvroSerde[" + type.getSimpleName() + ", " + subject + "]";
  }
}
