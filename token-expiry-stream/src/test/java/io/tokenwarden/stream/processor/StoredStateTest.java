package io.tokenwarden.stream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryMetrics;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.ConnectionSerde;
import io.tokenwarden.stream.state.FiredThrough;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a task finds in its store when it starts (a restore, a rebalance, a restart) must never stop it: a value
 * that cannot be decoded is skipped, and a connection whose provider is no longer configured is handled with the
 * generic default policy, counted and logged once, at init, on its timers and on its events alike.
 */
class StoredStateTest {

  private static final long T0 = 1_900_000_000_000L;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
  private final KeyValueStore<String, Connection> store = Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE), Serdes.String(), new ConnectionSerde())
      .withLoggingDisabled().build();
  private final KeyValueStore<String, FiredThrough> firedThrough = Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(ConnectionProcessor.FIRED_THROUGH_STORE), Serdes.String(),
      new FiredThrough.StoreSerde()).withLoggingDisabled().build();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(ConnectionProcessor.class);

  @BeforeEach
  void store() {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    firedThrough.init(context.getStateStoreContext(), firedThrough);
    context.addStateStore(firedThrough);
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logs);
  }

  private ConnectionProcessor processor(ExpiryConfig config) {
    return new ConnectionProcessor(config, new Transitions(config), new LifecycleValidation(config.policies()),
        ExpiryMetrics.on(registry), Topics.create("", 1).lifecycle.valueSerde().serializer());
  }

  /** A connection as {@code config} stores it after its TokenIssued at T0. */
  private static Connection issued(ExpiryConfig config, String id, String provider, long expiresAt) {
    return new Transitions(config).decide(null, new Input.Issued(UUID.randomUUID().toString(), T0, id, null,
        provider, "acct", new SealedCredentials("1", ByteBuffer.wrap(new byte[] {1}), true), expiresAt, null), T0)
        .next();
  }

  @SuppressWarnings("unchecked")
  private void putRaw(String id, byte[] bytes) {
    ((KeyValueStore<Bytes, byte[]>) ((WrappedStateStore<?, ?, ?>) store).wrapped())
        .put(Bytes.wrap(id.getBytes(StandardCharsets.UTF_8)), bytes);
  }

  private void punctuate(long at) {
    context.setCurrentSystemTimeMs(at);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(at);
  }

  private List<RefreshCommand> commands() {
    List<RefreshCommand> commands = context.forwarded(ConnectionProcessor.COMMANDS_SINK).stream()
        .map(f -> (RefreshCommand) f.record().value()).toList();
    context.resetForwards();
    return commands;
  }

  private double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aStoredStateThatCannotBeDecodedIsSkippedWhenTheIndexIsRebuilt() {
    ExpiryConfig config = ExpiryConfig.of(Map.of());
    store.put("a", issued(config, "a", "x", T0 + 3_600_000));
    putRaw("b", "left by a bad rollback".getBytes(StandardCharsets.UTF_8));
    store.put("c", issued(config, "c", "x", T0 + 3_600_000));

    processor(config).init(context);

    assertThat(counter(ExpiryMetrics.STATE_UNDECODABLE)).isEqualTo(1);
    assertThat(registry.find(ExpiryMetrics.TIMERS_PENDING).gauge().value()).as("REFRESH, WARN and EXPIRE of a and c")
        .isEqualTo(6);
    assertThat(registry.find(ExpiryMetrics.CONNECTIONS).tags("state", "CONNECTED", "provider", "x").gauge().value())
        .isEqualTo(2);
    assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
        .contains("stored state of connection b cannot be decoded"));
    punctuate(T0 + 3_000_000);
    assertThat(commands()).extracting(RefreshCommand::getConnectionId).containsExactlyInAnyOrder("a", "c");
  }

  @Test
  void aConnectionWhoseProviderIsNoLongerConfiguredGetsTheGenericPolicyAndIsCountedEverywhereAndLoggedOnce() {
    ExpiryConfig before = ExpiryConfig.of(Map.of("TOKENWARDEN_PROVIDER_RETIRED_TYPE", "oauth2"));
    long expiresAt = T0 + 3_600_000;
    store.put("c1", issued(before, "c1", "retired", expiresAt));

    ConnectionProcessor processor = processor(ExpiryConfig.of(Map.of()));
    processor.init(context);
    assertThat(counter(ExpiryMetrics.UNKNOWN_PROVIDER, "provider", "retired")).as("at init").isEqualTo(1);

    punctuate(expiresAt - 5 * 60_000);
    assertThat(commands()).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.PROACTIVE);
    assertThat(counter(ExpiryMetrics.UNKNOWN_PROVIDER, "provider", "retired")).as("on its timer").isEqualTo(2);

    context.setRecordMetadata("tokens.lifecycle", 0, 7);
    processor.process(new Record<>("c1", TokenLifecycleEvent.newBuilder().setEventId("e1").setConnectionId("c1")
        .setOccurredAt(Instant.ofEpochMilli(T0)).setPayload(new RefreshRequested("user")).build(), T0));
    assertThat(counter(ExpiryMetrics.UNKNOWN_PROVIDER, "provider", "retired")).as("on its event").isEqualTo(3);

    assertThat(logs.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .filter(e -> e.getFormattedMessage().contains("'retired'"))).hasSize(1);
  }
}
