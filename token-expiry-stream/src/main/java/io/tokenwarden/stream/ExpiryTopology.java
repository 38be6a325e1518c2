package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.stream.processor.ConnectionProcessor;
import io.tokenwarden.stream.processor.LifecycleValidation;
import io.tokenwarden.stream.processor.Transitions;
import io.tokenwarden.stream.state.ConnectionSerde;
import io.tokenwarden.stream.state.FiredThrough;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The expiry stream's topology: {@code tokens.lifecycle} into one {@link ConnectionProcessor} with a
 * changelog-backed store of connection state (the deadline index is derived from it, in memory) and one of the
 * task's fired-through cursor, out to
 * {@code tokens.expiry}, {@code tokens.refresh-commands}, {@code connections.status} and
 * {@code tokens.lifecycle.dlq}.
 */
public final class ExpiryTopology {

  public static final String SOURCE = "lifecycle-source";
  public static final String PROCESSOR = "connections";

  private ExpiryTopology() {}

  /** Builds the topology; a pure function of its arguments. Meters are registered on {@code registry}. */
  public static Topology build(ExpiryConfig config, Topics topics, MeterRegistry registry) {
    ExpiryMetrics metrics = ExpiryMetrics.on(registry);
    Transitions transitions = new Transitions(config);
    LifecycleValidation validation = new LifecycleValidation(config.policies());

    Topology topology = new Topology();
    topology.addSource(SOURCE, topics.lifecycle.keySerde().deserializer(),
        topics.lifecycle.valueSerde().deserializer(), topics.lifecycle.name());
    topology.addProcessor(PROCESSOR, () -> new ConnectionProcessor(config, transitions, validation, metrics,
        topics.lifecycle.valueSerde().serializer()), SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE), Serdes.String(),
        new ConnectionSerde()), PROCESSOR);
    // A few bytes per task, so in memory; restored from its changelog like the connections.
    topology.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ConnectionProcessor.FIRED_THROUGH_STORE), Serdes.String(),
        new FiredThrough.StoreSerde()), PROCESSOR);
    topology.addSink(ConnectionProcessor.EXPIRY_SINK, topics.expiry.name(), topics.expiry.keySerde().serializer(),
        topics.expiry.valueSerde().serializer(), PROCESSOR);
    topology.addSink(ConnectionProcessor.COMMANDS_SINK, topics.refreshCommands.name(),
        topics.refreshCommands.keySerde().serializer(), topics.refreshCommands.valueSerde().serializer(),
        PROCESSOR);
    topology.addSink(ConnectionProcessor.STATUS_SINK, topics.status.name(), topics.status.keySerde().serializer(),
        topics.status.valueSerde().serializer(), PROCESSOR);
    topology.addSink(ConnectionProcessor.DEAD_LETTER_SINK, topics.lifecycleDlq.name(),
        topics.lifecycleDlq.keySerde().serializer(), topics.lifecycleDlq.valueSerde().serializer(), PROCESSOR);
    return topology;
  }
}
