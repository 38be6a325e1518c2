package io.tokenwarden.contracts;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one catalogue of Tokenwarden's topics. Every producer, consumer, topology, the topic creator and the
 * tests take names and serdes from here. Instances are immutable; {@link #create(String, int, WireFormat)} gives a
 * catalogue with a name prefix, a partition count and the deployment's {@link WireFormat}, which decides how the
 * value serdes write (they always read both formats).
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
  private final WireFormat wireFormat;

  private Topics(String prefix, int partitions, WireFormat wireFormat) {
    this.prefix = prefix;
    this.wireFormat = Objects.requireNonNull(wireFormat, "wireFormat");
    this.lifecycle = avro(prefix + "tokens.lifecycle", TokenLifecycleEvent.class, partitions, "delete",
        Optional.of(Duration.ofDays(7)), "Facts of each connection's token lifecycle, keyed by connection id:"
            + " published by upstream services and by the refresh worker, consumed by the expiry stream.");
    this.expiry = avro(prefix + "tokens.expiry", TokenExpiryEvent.class, partitions, "delete",
        Optional.of(Duration.ofDays(7)), "A token crossed an expiry deadline, keyed by connection id: emitted by"
            + " the expiry stream, for notification services.");
    this.refreshCommands = avro(prefix + "tokens.refresh-commands", RefreshCommand.class, partitions, "delete",
        Optional.of(Duration.ofDays(1)), "Orders to renew one connection's token, keyed by connection id: emitted"
            + " by the expiry stream, consumed by the refresh worker.");
    this.status = avro(prefix + "connections.status", ConnectionStatus.class, partitions, "compact",
        Optional.empty(), "The visible status of each connection, keyed by connection id, compacted: the latest"
            + " record per connection drives the orange '!' in the UI; a removed connection gets a tombstone.");
    this.lifecycleDlq = new Topic<>(prefix + "tokens.lifecycle.dlq", Serdes.ByteArray(), Serdes.ByteArray(),
        1, "delete", Optional.of(Duration.ofDays(30)), false, Optional.empty(),
        "Records the expiry stream or the refresh worker could not decode or process: the original key and value"
            + " bytes, with the reason and the source position in headers.");
  }

  private <V extends SpecificRecord> Topic<String, V> avro(String name, Class<V> type, int partitions,
      String cleanupPolicy, Optional<Duration> retention, String description) {
    return new Topic<>(name, Serdes.String(), wireFormat.valueSerde(name, type), partitions, cleanupPolicy,
        retention, true, Optional.of(SchemaHistory.CURRENT.get(type.getSimpleName())), description);
  }

  /** The catalogue with no prefix and {@value #DEFAULT_PARTITIONS} partitions. */
  public static Topics defaults() {
    return new Topics("", DEFAULT_PARTITIONS, WireFormat.singleObject());
  }

  /**
   * A catalogue whose names start with {@code prefix} (may be empty) and whose co-partitioned topics have
   * {@code partitions} partitions.
   */
  public static Topics create(String prefix, int partitions) {
    return create(prefix, partitions, WireFormat.singleObject());
  }

  /** As {@link #create(String, int)}, with values written in {@code wireFormat}. */
  public static Topics create(String prefix, int partitions, WireFormat wireFormat) {
    if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("topic prefix may hold only letters, digits, '.', '_' and '-': " + prefix);
    }
    return new Topics(prefix, partitions, wireFormat);
  }

  /** How values are written; readers accept both formats. */
  public WireFormat wireFormat() {
    return wireFormat;
  }

  /** The common name prefix, possibly empty. */
  public String prefix() {
    return prefix;
  }

  /** The topics whose values are Avro records, in creation order. */
  public List<Topic<?, ?>> avroTopics() {
    return all().stream().filter(t -> t.valueSchema().isPresent()).toList();
  }

  /** Every topic, in creation order. */
  public List<Topic<?, ?>> all() {
    return List.of(lifecycle, expiry, refreshCommands, status, lifecycleDlq);
  }
}
