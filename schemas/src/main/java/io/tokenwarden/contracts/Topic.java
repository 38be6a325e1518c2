package io.tokenwarden.contracts;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic: its name, the serdes of its key and value, and how it is created.
 *
 * @param name full topic name, prefix included
 * @param keySerde serde of the record key (always the connection id, except on the dead-letter topic)
 * @param valueSerde serde of the record value
 * @param partitions partition count used when creating the topic
 * @param cleanupPolicy {@code delete} or {@code compact}
 * @param retention how long records are kept; empty for compacted topics that keep the latest value forever
 * @param coPartitioned whether the topic must have the same partition count as the other co-partitioned topics
 * @param valueSchema the Avro schema values are written with; empty for topics of raw bytes
 * @param description what the topic holds and who writes and reads it, for people (and the AsyncAPI document)
 */
public record Topic<K, V>(
    String name,
    Serde<K> keySerde,
    Serde<V> valueSerde,
    int partitions,
    String cleanupPolicy,
    Optional<Duration> retention,
    boolean coPartitioned,
    Optional<Schema> valueSchema,
    String description) {

  public Topic {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name must not be blank");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1");
    }
    Objects.requireNonNull(valueSchema, "valueSchema");
    Objects.requireNonNull(description, "description");
  }

  /** A topic without a value schema or description. */
  public Topic(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, String cleanupPolicy,
      Optional<Duration> retention, boolean coPartitioned) {
    this(name, keySerde, valueSerde, partitions, cleanupPolicy, retention, coPartitioned, Optional.empty(), "");
  }

  /** The {@code TopicNameStrategy} subject of this topic's values in a schema registry. */
  public String valueSubject() {
    return ConfluentAvroSerde.subject(name);
  }
}
