package io.tokenwarden.contracts;

import java.time.Duration;
import java.util.Optional;
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
 */
public record Topic<K, V>(
    String name,
    Serde<K> keySerde,
    Serde<V> valueSerde,
    int partitions,
    String cleanupPolicy,
    Optional<Duration> retention,
    boolean coPartitioned) {

  public Topic {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name must not be blank");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1");
    }
  }
}
