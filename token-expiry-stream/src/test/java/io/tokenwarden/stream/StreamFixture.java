package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.ConnectionRemoved;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.schema.TokenRevoked;
import io.tokenwarden.stream.processor.ConnectionProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.test.TestRecord;

/** A {@link TopologyTestDriver} around the expiry topology, with builders for lifecycle events. */
final class StreamFixture implements AutoCloseable {

  static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  final Topics topics = Topics.create("", 1);
  final MeterRegistry registry = new SimpleMeterRegistry();
  final ExpiryConfig config;
  final TopologyTestDriver driver;
  final TestInputTopic<String, TokenLifecycleEvent> lifecycle;
  final TestInputTopic<byte[], byte[]> rawLifecycle;
  final TestOutputTopic<String, TokenExpiryEvent> expiry;
  final TestOutputTopic<String, RefreshCommand> commands;
  final TestOutputTopic<String, ConnectionStatus> status;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  private final Path stateDir;

  StreamFixture() {
    this(Map.of());
  }

  StreamFixture(Map<String, String> env) {
    Map<String, String> vars = new HashMap<>();
    vars.put("TOKENWARDEN_PUNCTUATE_INTERVAL", "PT1S");
    vars.putAll(env);
    config = ExpiryConfig.of(vars);
    try {
      stateDir = Files.createTempDirectory("expiry-ttd");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Properties props = ExpiryStreamRunner.streamsProperties(config, topics,
        Map.of("bootstrap.servers", "unused:9092", StreamsConfig.STATE_DIR_CONFIG, stateDir.toString(),
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "at_least_once"), registry);
    driver = new TopologyTestDriver(ExpiryTopology.build(config, topics, registry), props, START);
    lifecycle = driver.createInputTopic(topics.lifecycle.name(), topics.lifecycle.keySerde().serializer(),
        topics.lifecycle.valueSerde().serializer());
    rawLifecycle = driver.createInputTopic(topics.lifecycle.name(), new ByteArraySerializer(),
        new ByteArraySerializer());
    expiry = driver.createOutputTopic(topics.expiry.name(), topics.expiry.keySerde().deserializer(),
        topics.expiry.valueSerde().deserializer());
    commands = driver.createOutputTopic(topics.refreshCommands.name(),
        topics.refreshCommands.keySerde().deserializer(), topics.refreshCommands.valueSerde().deserializer());
    status = driver.createOutputTopic(topics.status.name(), topics.status.keySerde().deserializer(),
        topics.status.valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(topics.lifecycleDlq.name(),
        topics.lifecycleDlq.keySerde().deserializer(), topics.lifecycleDlq.valueSerde().deserializer());
  }

  Instant now() {
    return START.plusMillis(elapsed);
  }

  private long elapsed;

  /** Moves the wall clock; the punctuator runs once if its interval has passed. */
  void advance(Duration d) {
    elapsed += d.toMillis();
    driver.advanceWallClockTime(d);
  }

  /** Moves the wall clock to {@code at} in steps of one punctuation interval at most... in one step. */
  void advanceTo(Instant at) {
    advance(Duration.between(now(), at));
  }

  void send(TokenLifecycleEvent event) {
    lifecycle.pipeInput(event.getConnectionId(), event, now());
  }

  List<TokenExpiryEvent> expiryEvents() {
    return expiry.readValuesToList();
  }

  List<RefreshCommand> refreshCommands() {
    return commands.readValuesToList();
  }

  List<TestRecord<String, ConnectionStatus>> statuses() {
    return status.readRecordsToList();
  }

  /** The last status record of the connection emitted since the last read, or null. */
  ConnectionStatus lastStatus() {
    List<TestRecord<String, ConnectionStatus>> all = statuses();
    return all.isEmpty() ? null : all.get(all.size() - 1).value();
  }

  double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  double gauge(String name, String... tags) {
    var gauge = registry.find(name).tags(tags).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  /**
   * Writes {@code bytes} as the stored state of a connection, under the serde: what a bad rollback or a
   * hand-written changelog record leaves behind.
   */
  @SuppressWarnings("unchecked")
  void putRawState(String connectionId, byte[] bytes) {
    var store = (WrappedStateStore<?, ?, ?>) (Object) driver.getKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE);
    ((KeyValueStore<Bytes, byte[]>) store.wrapped()).put(Bytes.wrap(connectionId.getBytes(StandardCharsets.UTF_8)),
        bytes);
  }

  static String header(TestRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    driver.close();
  }

  // Event builders.

  static SealedCredentials sealed(String marker) {
    return sealed(marker, false);
  }

  static SealedCredentials sealed(String marker, boolean hasRefreshToken) {
    return new SealedCredentials("1", ByteBuffer.wrap(("sealed:" + marker).getBytes()), hasRefreshToken);
  }

  static TokenLifecycleEvent.Builder event(String connectionId, Object payload, Instant occurredAt) {
    return TokenLifecycleEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setConnectionId(connectionId)
        .setTenantId("tenant-1")
        .setOccurredAt(occurredAt)
        .setPayload(payload);
  }

  TokenLifecycleEvent issued(String connectionId, String provider, Instant expiresAt) {
    return issued(connectionId, provider, expiresAt, null);
  }

  TokenLifecycleEvent issued(String connectionId, String provider, Instant expiresAt, Instant refreshTokenExpiresAt) {
    return event(connectionId, TokenIssued.newBuilder()
        .setCredentials(sealed(connectionId))
        .setExpiresAt(expiresAt)
        .setRefreshTokenExpiresAt(refreshTokenExpiresAt)
        .build(), now())
        .setProvider(provider)
        .setAccountId("acct-" + connectionId)
        .build();
  }

  TokenLifecycleEvent refreshed(String connectionId, RefreshCommand command, Instant expiresAt) {
    return event(connectionId, TokenRefreshed.newBuilder()
        .setCredentials(sealed(connectionId + "-renewed"))
        .setExpiresAt(expiresAt)
        .setGeneration(command.getGeneration())
        .setCommandId(command.getCommandId())
        .build(), now()).build();
  }

  TokenLifecycleEvent failed(String connectionId, RefreshCommand command, FailureKind kind, String code,
      Instant retryAfter) {
    return event(connectionId, RefreshFailed.newBuilder()
        .setCommandId(command.getCommandId())
        .setGeneration(command.getGeneration())
        .setKind(kind)
        .setErrorCode(code)
        .setRetryAfter(retryAfter)
        .setAttempt(command.getAttempt())
        .build(), now()).build();
  }

  TokenLifecycleEvent requested(String connectionId) {
    return event(connectionId, RefreshRequested.newBuilder().setRequestedBy("user-1").build(), now()).build();
  }

  TokenLifecycleEvent revoked(String connectionId) {
    return revoked(connectionId, "user_revoked");
  }

  TokenLifecycleEvent revoked(String connectionId, String reason) {
    return event(connectionId, TokenRevoked.newBuilder().setReason(reason).build(), now()).build();
  }

  TokenLifecycleEvent removed(String connectionId) {
    return event(connectionId, ConnectionRemoved.newBuilder().build(), now()).build();
  }
}
