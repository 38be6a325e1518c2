package io.tokenwarden.stream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryMetrics;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.ConnectionSerde;
import io.tokenwarden.stream.state.FiredThrough;
import io.tokenwarden.stream.state.Timer;
import io.tokenwarden.stream.state.TimerKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The fired-through cursor across a restart. A task's stores after a restart hold exactly what its changelogs
 * held at the last commit; here each {@link Task} keeps its two stores and a restart is a new processor, with a
 * new context and registry, initialised on them, which is what Kafka Streams does after a restore. The oracle is
 * what a reader of the output topics sees, counted over both lives of the task, and the stored records
 * themselves.
 */
class FiredThroughRestartTest {

  private static final long T0 = 1_900_000_000_000L;
  private static final long MINUTE = 60_000;
  private static final long EXPIRES = T0 + 60 * MINUTE;
  /** Facebook tokens: no machine renews them, so a warning and an expiry are their only timers. */
  private static final Map<String, String> ENV = Map.of("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT10M");

  /** One task's stores, which survive restarts, and its live processor. */
  private static final class Task {
    final ExpiryConfig config;
    final KeyValueStore<String, Connection> connections = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE), Serdes.String(), new ConnectionSerde())
        .withLoggingDisabled().build();
    final KeyValueStore<String, FiredThrough> cursor = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ConnectionProcessor.FIRED_THROUGH_STORE), Serdes.String(),
        new FiredThrough.StoreSerde()).withLoggingDisabled().build();
    /** Every expiry event and status forwarded, over every life of the task. */
    final List<TokenExpiryEvent> events = new ArrayList<>();
    final List<ConnectionStatus> statuses = new ArrayList<>();
    MockProcessorContext<Object, Object> context;
    SimpleMeterRegistry registry;
    ConnectionProcessor processor;

    Task(Map<String, String> env) {
      config = ExpiryConfig.of(env);
      MockProcessorContext<Object, Object> first = new MockProcessorContext<>();
      connections.init(first.getStateStoreContext(), connections);
      cursor.init(first.getStateStoreContext(), cursor);
      start();
    }

    /** A new processor on the same stores: a restart after a crash or a rebalance. */
    void start() {
      collect();
      context = new MockProcessorContext<>();
      context.addStateStore(connections);
      context.addStateStore(cursor);
      registry = new SimpleMeterRegistry();
      processor = new ConnectionProcessor(config, new Transitions(config), new LifecycleValidation(config.policies()),
          ExpiryMetrics.on(registry), Topics.create("", 1).lifecycle.valueSerde().serializer());
      processor.init(context);
    }

    void issue(String id, long expiresAt, long now) {
      context.setCurrentSystemTimeMs(now);
      context.setRecordMetadata("tokens.lifecycle", 0, 1);
      processor.process(new Record<>(id, TokenLifecycleEvent.newBuilder().setEventId(UUID.randomUUID().toString())
          .setConnectionId(id).setProvider("facebook").setAccountId("acct-" + id)
          .setOccurredAt(Instant.ofEpochMilli(now))
          .setPayload(TokenIssued.newBuilder().setCredentials(new SealedCredentials("1",
              ByteBuffer.wrap(new byte[] {1}), false)).setExpiresAt(Instant.ofEpochMilli(expiresAt)).build())
          .build(), now));
      collect();
    }

    void punctuate(long at) {
      context.setCurrentSystemTimeMs(at);
      context.scheduledPunctuators().get(0).getPunctuator().punctuate(at);
      collect();
    }

    private void collect() {
      if (context == null) {
        return;
      }
      context.forwarded(ConnectionProcessor.EXPIRY_SINK).forEach(f -> events.add((TokenExpiryEvent) f.record().value()));
      context.forwarded(ConnectionProcessor.STATUS_SINK).forEach(f -> statuses.add((ConnectionStatus) f.record().value()));
      context.resetForwards();
    }

    List<String> fired(ExpiryKind kind) {
      return events.stream().filter(e -> e.getKind() == kind).map(TokenExpiryEvent::getConnectionId).toList();
    }

    double gauge(String name, String... tags) {
      var g = registry.find(name).tags(tags).gauge();
      return g == null ? 0 : g.value();
    }
  }

  @Test
  void aFiredExpiryIsNotRewrittenAndARestartNeitherRepeatsNorLosesIt() {
    Task task = new Task(ENV);
    List<String> ids = List.of("c1", "c2", "c3", "c4", "c5");
    ids.forEach(id -> task.issue(id, EXPIRES, T0));
    Map<String, Connection> issued = new java.util.HashMap<>();
    ids.forEach(id -> issued.put(id, task.connections.get(id)));

    task.punctuate(EXPIRES - 10 * MINUTE);
    task.punctuate(EXPIRES);
    assertThat(task.fired(ExpiryKind.EXPIRING)).containsExactlyElementsOf(ids);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactlyElementsOf(ids);
    for (String id : ids) {
      assertThat(task.connections.get(id)).as("the record of %s is as issued, its timers unfired", id)
          .isEqualTo(issued.get(id));
      assertThat(task.connections.get(id).timers()).extracting(Timer::kind)
          .containsExactly(TimerKind.WARN, TimerKind.EXPIRE);
    }
    assertThat(task.cursor.get("cursor")).isEqualTo(new FiredThrough(EXPIRES, "c5", TimerKind.EXPIRE));

    task.start();
    assertThat(task.gauge(ExpiryMetrics.CONNECTIONS, "state", "EXPIRED", "provider", "facebook"))
        .as("the restarted task sees them expired").isEqualTo(5);
    assertThat(task.gauge(ExpiryMetrics.CONNECTIONS_ATTENTION, "provider", "facebook")).isEqualTo(5);
    assertThat(task.gauge(ExpiryMetrics.TIMERS_PENDING)).as("nothing left to fire").isZero();
    task.punctuate(EXPIRES + 1_000);
    task.punctuate(EXPIRES + 60 * MINUTE);
    assertThat(task.fired(ExpiryKind.EXPIRED)).as("no duplicate").containsExactlyElementsOf(ids);
    assertThat(task.fired(ExpiryKind.EXPIRING)).containsExactlyElementsOf(ids);
  }

  @Test
  void aRestartBetweenCappedPunctuationsFiresTheRestOnceEach() {
    Map<String, String> env = new java.util.HashMap<>(ENV);
    env.put("TOKENWARDEN_PUNCTUATE_MAX_TIMERS", "3");
    Task task = new Task(env);
    List<String> ids = List.of("c1", "c2", "c3", "c4", "c5");
    ids.forEach(id -> task.issue(id, EXPIRES, EXPIRES - 5 * MINUTE));
    assertThat(task.fired(ExpiryKind.EXPIRING)).as("issued inside the warning window").hasSize(5);

    task.punctuate(EXPIRES);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactly("c1", "c2", "c3");
    task.start();
    task.punctuate(EXPIRES + 1_000);
    task.punctuate(EXPIRES + 2_000);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactlyElementsOf(ids);
    assertThat(task.gauge(ExpiryMetrics.CONNECTIONS, "state", "EXPIRED", "provider", "facebook")).isEqualTo(5);
  }

  @Test
  void aPastDueTimerMadeAfterTheCursorMovedFiresAtOnceEvenWithTheClockSteppedBack() {
    Task task = new Task(ENV);
    task.issue("c5", EXPIRES, EXPIRES - 5 * MINUTE);
    task.punctuate(EXPIRES);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactly("c5");
    task.start();

    // After the restart the wall clock reads five minutes earlier. "a1" sorts before "c5", and its expiry is due
    // before the cursor: it must fire now, not be taken for one the cursor covers.
    task.issue("a1", EXPIRES - 2 * MINUTE, EXPIRES - 5 * MINUTE);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactly("c5", "a1");
    assertThat(task.statuses.get(task.statuses.size() - 1).getState()).isEqualTo(ConnectionState.EXPIRED);
    assertThat(task.connections.get("a1").hasFired(TimerKind.EXPIRE)).as("stored fired").isTrue();

    task.start();
    task.punctuate(EXPIRES + MINUTE);
    assertThat(task.fired(ExpiryKind.EXPIRED)).as("neither fires again").containsExactly("c5", "a1");
    assertThat(task.gauge(ExpiryMetrics.CONNECTIONS, "state", "EXPIRED", "provider", "facebook")).isEqualTo(2);
  }

  @Test
  void theNextEventOfAConnectionSeesItsDeferredExpiryAndWritesIt() {
    Task task = new Task(ENV);
    task.issue("c1", EXPIRES, EXPIRES - 5 * MINUTE);
    task.punctuate(EXPIRES);
    int statuses = task.statuses.size();
    assertThat(task.connections.get("c1").hasFired(TimerKind.EXPIRE)).isFalse();

    // A second TokenIssued is a new generation: it starts from the settled state, so it is generation + 1 and
    // reports CONNECTED after EXPIRED, with no EXPIRED again.
    long before = task.connections.get("c1").generation();
    task.issue("c1", EXPIRES + 120 * MINUTE, EXPIRES + MINUTE);
    assertThat(task.connections.get("c1").generation()).isEqualTo(before + 1);
    assertThat(task.statuses.subList(statuses, task.statuses.size())).extracting(ConnectionStatus::getState)
        .containsExactly(ConnectionState.CONNECTED);
    assertThat(task.fired(ExpiryKind.EXPIRED)).containsExactly("c1");
  }

  @Test
  void eachTaskHasItsOwnCursor() {
    Task a = new Task(ENV);
    Task b = new Task(ENV);
    a.issue("a1", EXPIRES, EXPIRES - 5 * MINUTE);
    b.issue("b1", EXPIRES - 30 * MINUTE, EXPIRES - 35 * MINUTE);
    // Task a fires through its hour; task b's thread was busy and has not punctuated yet.
    a.punctuate(EXPIRES);
    assertThat(a.fired(ExpiryKind.EXPIRED)).containsExactly("a1");
    assertThat(b.cursor.get("cursor")).isNull();
    b.start();
    b.punctuate(EXPIRES + 1_000);
    assertThat(b.fired(ExpiryKind.EXPIRED)).as("a's cursor covers none of b's timers").containsExactly("b1");
    assertThat(b.cursor.get("cursor")).isEqualTo(new FiredThrough(EXPIRES - 30 * MINUTE, "b1", TimerKind.EXPIRE));
  }
}
