package io.tokenwarden.contracts;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one catalogue of Tokenwarden's topics. Every producer, consumer, topology, the topic creator and the
 * tests take names and serdes from here. Instances are immutable; {@link #create(String, int)} gives a
 * catalogue with a name prefix and a partition count.
 *
 * <p>All topics but the dead-letter topic are keyed by connection id and co-partitioned.
 */
public final class Topics {

  /** Default partition count of the co-partitioned topics. */
  public static final int DEFAULT_PARTITIONS = 6;

  public final Topic<String, TokenLifecycleEvent> lifecycle;
  public final Topic<String, TokenExpiryEvent> expiry;
  public final Topic<String, RefreshCommand> refreshCommands;
  public final Topic<String, ConnectionStatus> status;
  /** Raw bytes of records the expiry stream could not process; the reason travels in headers. */
  public final Topic<byte[], byte[]> lifecycleDlq;

  private final String prefix;

  private Topics(String prefix, int partitions) {
    this.prefix = prefix;
    Serde<String> key = Serdes.String();
    this.lifecycle = new Topic<>(prefix + "tokens.lifecycle", key, AvroSerde.of(TokenLifecycleEvent.class),
        partitions, "delete", Optional.of(Duration.ofDays(7)), true);
    this.expiry = new Topic<>(prefix + "tokens.expiry", key, AvroSerde.of(TokenExpiryEvent.class),
        partitions, "delete", Optional.of(Duration.ofDays(7)), true);
    this.refreshCommands = new Topic<>(prefix + "tokens.refresh-commands", key, AvroSerde.of(RefreshCommand.class),
        partitions, "delete", Optional.of(Duration.ofDays(1)), true);
    this.status = new Topic<>(prefix + "connections.status", key, AvroSerde.of(ConnectionStatus.class),
        partitions, "compact", Optional.empty(), true);
    this.lifecycleDlq = new Topic<>(prefix + "tokens.lifecycle.dlq", Serdes.ByteArray(), Serdes.ByteArray(),
        1, "delete", Optional.of(Duration.ofDays(30)), false);
  }

  /** The catalogue with no prefix and {@value #DEFAULT_PARTITIONS} partitions. */
  public static Topics defaults() {
    return new Topics("", DEFAULT_PARTITIONS);
  }

  /**
   * A catalogue whose names start with {@code prefix} (may be empty) and whose co-partitioned topics have
   * {@code partitions} partitions.
   */
  public static Topics create(String prefix, int partitions) {
    if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("topic prefix may hold only letters, digits, '.', '_' and '-': " + prefix);
    }
    return new Topics(prefix, partitions);
  }

  /** The common name prefix, possibly empty. */
  public String prefix() {
    return prefix;
  }

  /** Every topic, in creation order. */
  public List<Topic<?, ?>> all() {
    return List.of(lifecycle, expiry, refreshCommands, status, lifecycleDlq);
  }
}
