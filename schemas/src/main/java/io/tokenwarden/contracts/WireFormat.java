package io.tokenwarden.contracts;

import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;

/**
 * How a deployment writes record values, and the serdes that follow from it. Writers use one format:
 * {@link Kind#SINGLE_OBJECT} (Avro single-object encoding, {@link AvroSerde}; needs no registry) or
 * {@link Kind#CONFLUENT} (the Confluent wire format, {@link ConfluentAvroSerde}). Readers accept both at once,
 * telling them apart by the first byte ({@code 0xC3} or {@code 0x00}), so a deployment switches formats without a
 * flag day; reading the Confluent format needs a registry, so a single-object deployment that may meet such
 * records is given one too.
 */
public final class WireFormat {

  /** The format writers use. */
  public enum Kind {
    SINGLE_OBJECT("single-object"),
    CONFLUENT("confluent");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** The name used in configuration ({@code TOKENWARDEN_WIRE_FORMAT}). */
    public String label() {
      return label;
    }

    /** The kind named {@code label}, ignoring case. */
    public static Kind parse(String label) {
      for (Kind kind : values()) {
        if (kind.label.equals(label.trim().toLowerCase(Locale.ROOT))) {
          return kind;
        }
      }
      throw new IllegalArgumentException("expected single-object or confluent, got '" + label + "'");
    }
  }

  private static final WireFormat SINGLE_OBJECT_ONLY = new WireFormat(Kind.SINGLE_OBJECT, null, false);

  private final Kind writes;
  private final SchemaRegistryClient registry;
  private final boolean autoRegister;

  private WireFormat(Kind writes, SchemaRegistryClient registry, boolean autoRegister) {
    this.writes = Objects.requireNonNull(writes, "writes");
    if (writes == Kind.CONFLUENT && registry == null) {
      throw new IllegalArgumentException("the confluent wire format needs a schema registry");
    }
    this.registry = registry;
    this.autoRegister = autoRegister;
  }

  /** Single-object encoding, no registry: Confluent-format records cannot be read. The default. */
  public static WireFormat singleObject() {
    return SINGLE_OBJECT_ONLY;
  }

  /** Writes single-object encoding; reads the Confluent format too, with schemas from {@code registry}. */
  public static WireFormat singleObject(SchemaRegistryClient registry) {
    return new WireFormat(Kind.SINGLE_OBJECT, Objects.requireNonNull(registry, "registry"), false);
  }

  /**
   * Writes the Confluent wire format with ids from {@code registry}; registers missing schemas only when
   * {@code autoRegister} is set (development). Reads both formats.
   */
  public static WireFormat confluent(SchemaRegistryClient registry, boolean autoRegister) {
    return new WireFormat(Kind.CONFLUENT, Objects.requireNonNull(registry, "registry"), autoRegister);
  }

  /** The format writers use. */
  public Kind writes() {
    return writes;
  }

  /** The registry, if this deployment has one. */
  public Optional<SchemaRegistryClient> registry() {
    return Optional.ofNullable(registry);
  }

  /** Whether writers register missing schemas themselves. */
  public boolean autoRegister() {
    return autoRegister;
  }

  /** The serde of {@code type} values on {@code topic}: writes this format, reads both. */
  public <T extends SpecificRecord> Serde<T> valueSerde(String topic, Class<T> type) {
    return new TopicValueSerde<>(AvroSerde.of(type),
        registry == null ? null : ConfluentAvroSerde.of(type, topic, registry, autoRegister), writes);
  }

  /**
   * Resolves the writer schema ids of these topics now, so that a registry that is down or lacks our schemas is
   * a clear error at start-up rather than a surprise later, and so that writing never has to call the registry
   * again. Does nothing for single-object writers.
   *
   * @throws SchemaRegistryUnavailableException if the registry cannot be reached
   * @throws SerializationException if a schema is not registered (and not auto-registered)
   */
  public void resolveWriters(Collection<Topic<?, ?>> topics) {
    if (writes != Kind.CONFLUENT) {
      return;
    }
    for (Topic<?, ?> topic : topics) {
      if (topic.valueSerde() instanceof TopicValueSerde<?> serde) {
        serde.confluent.writerId();
      }
    }
  }

  /** Why the registry is unreachable, while it is; empty when it answers or none is used. */
  public Optional<String> outage() {
    return registry == null ? Optional.empty() : registry.outage();
  }

  @Override
  public String toString() {
    return writes.label() + (registry == null ? "" : " (registry " + registry.describe()
        + (autoRegister ? ", auto-register" : "") + ")");
  }

  /** Writes one format, reads both by the first byte. */
  private static final class TopicValueSerde<T extends SpecificRecord> implements AvroCodec<T> {
    private final AvroSerde<T> singleObject;
    private final ConfluentAvroSerde<T> confluent;
    private final Kind writes;

    TopicValueSerde(AvroSerde<T> singleObject, ConfluentAvroSerde<T> confluent, Kind writes) {
      this.singleObject = singleObject;
      this.confluent = confluent;
      this.writes = writes;
    }

    @Override
    public byte[] encode(T record) {
      return writes == Kind.CONFLUENT ? confluent.encode(record) : singleObject.encode(record);
    }

    @Override
    public T decode(byte[] bytes) {
      if (bytes.length > 0 && bytes[0] == ConfluentAvroSerde.MAGIC) {
        if (confluent == null) {
          throw new SerializationException(singleObject + ": a record in the Confluent wire format, but no schema"
              + " registry is configured to read it (TOKENWARDEN_SCHEMA_REGISTRY_URL)");
        }
        return confluent.decode(bytes);
      }
      return singleObject.decode(bytes);
    }

    @Override
    public String toString() {
      return singleObject + "/" + writes.label();
    }
  }
}
