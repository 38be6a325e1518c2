package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.stream.ExpiryMetrics;
import io.tokenwarden.stream.processor.LifecycleValidation.Rejection;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.DeadlineIndex;
import io.tokenwarden.stream.state.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps each connection's state and timers. Lifecycle events are validated, applied through
 * {@link Transitions}, and their output forwarded; a wall-clock punctuator fires due timers from the
 * {@link DeadlineIndex}, capped by count and time per run so a backlog drains over several runs.
 */
public final class ConnectionProcessor implements Processor<String, TokenLifecycleEvent, Object, Object> {

  /** Names of the processor's children, the sinks. */
  public static final String EXPIRY_SINK = "expiry-sink";
  public static final String COMMANDS_SINK = "refresh-commands-sink";
  public static final String STATUS_SINK = "status-sink";
  public static final String DEAD_LETTER_SINK = "dead-letter-sink";

  /**
   * The connections store; its changelog is {@code <application.id>-expiry-connections-changelog}. The deadline
   * index is derived from it at every {@link #init}, so it has no store of its own.
   */
  public static final String CONNECTIONS_STORE = "expiry-connections";

  private static final Logger log = LoggerFactory.getLogger(ConnectionProcessor.class);

  /** What the processor needs besides its stores. */
  public record Settings(Duration punctuateInterval, int punctuateMaxTimers, Duration punctuateMaxTime) {}

  private final Settings settings;
  private final Transitions transitions;
  private final LifecycleValidation validation;
  private final ExpiryMetrics metrics;
  private final Serializer<TokenLifecycleEvent> lifecycleSerializer;
  private final DueTimerScan scan;

  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, Connection> connections;
  private DeadlineIndex index;
  private long reportedPending;
  private final Map<Map.Entry<String, String>, Long> reportedConnections = new HashMap<>();
  private final Map<String, Long> reportedAttention = new HashMap<>();

  public ConnectionProcessor(Settings settings, Transitions transitions, LifecycleValidation validation,
      ExpiryMetrics metrics, Serializer<TokenLifecycleEvent> lifecycleSerializer) {
    this(settings, transitions, validation, metrics, lifecycleSerializer, DueTimerScan.DEADLINE_INDEX);
  }

  /** As above, with the strategy that finds due timers; the benchmarks pass a full scan to compare. */
  public ConnectionProcessor(Settings settings, Transitions transitions, LifecycleValidation validation,
      ExpiryMetrics metrics, Serializer<TokenLifecycleEvent> lifecycleSerializer, DueTimerScan scan) {
    this.scan = scan;
    this.settings = settings;
    this.transitions = transitions;
    this.validation = validation;
    this.metrics = metrics;
    this.lifecycleSerializer = lifecycleSerializer;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.connections = context.getStateStore(CONNECTIONS_STORE);
    // Also after a rebalance or a revived task: the index is rebuilt from what the store holds now.
    this.index = new DeadlineIndex();
    try (KeyValueIterator<String, Connection> all = connections.all()) {
      while (all.hasNext()) {
        Connection c = all.next().value;
        index.putAll(c);
        countConnection(c, 1);
      }
    }
    reportPending();
    context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, TokenLifecycleEvent> record) {
    long now = effectiveNow(context.currentSystemTimeMs());
    TokenLifecycleEvent event = record.value();
    var rejection = validation.check(record.key(), event, now);
    if (rejection.isPresent()) {
      deadLetter(record, rejection.get());
      return;
    }
    String id = record.key();
    MDC.put("connectionId", id);
    try {
      Connection current = connections.get(id);
      Outcome outcome = transitions.onEvent(current, event, now);
      if (log.isDebugEnabled()) {
        log.debug("{} on connection {} ({}): {}", event.getPayload().getClass().getSimpleName(), id,
            current == null ? event.getProvider() : current.provider(), outcome.effect());
      }
      apply(id, current, outcome, now);
    } finally {
      MDC.remove("connectionId");
    }
  }

  /** Fires due timers, at most {@code punctuateMaxTimers} and for about {@code punctuateMaxTime}. */
  void punctuate(long wallClock) {
    long now = effectiveNow(wallClock);
    long started = System.nanoTime();
    long budget = settings.punctuateMaxTime().toNanos();
    List<DeadlineIndex.Entry> due = scan.due(connections, index, now, settings.punctuateMaxTimers());
    int fired = 0;
    for (DeadlineIndex.Entry entry : due) {
      if (fired > 0 && System.nanoTime() - started > budget) {
        index.advanceCursor(entry.due());
        log.debug("punctuation stopped after {} timers by its time cap; the rest fire next time", fired);
        return;
      }
      fire(entry, now);
      fired++;
    }
    if (due.size() < settings.punctuateMaxTimers()) {
      index.advanceCursor(now + 1);
    } else if (!due.isEmpty()) {
      index.advanceCursor(due.get(due.size() - 1).due());
    }
  }

  private void fire(DeadlineIndex.Entry entry, long now) {
    String id = entry.connectionId();
    Timer timer = new Timer(entry.kind(), entry.due());
    Connection current = connections.get(id);
    if (current == null || current.generation() != entry.generation() || !current.timers().contains(timer)) {
      // Fired already by an earlier timer of this batch, or left behind: never fire it, just drop it.
      index.delete(id, timer);
      reportPending();
      return;
    }
    MDC.put("connectionId", id);
    try {
      metrics.timerLag(now - entry.due());
      Outcome outcome = transitions.onTimer(current, entry.kind(), now);
      if (log.isDebugEnabled()) {
        log.debug("timer {} of connection {} ({}) fired {} ms late", entry.kind(), id, current.provider(),
            now - entry.due());
      }
      apply(id, current, outcome, now);
    } finally {
      MDC.remove("connectionId");
    }
  }

  private void apply(String id, Connection current, Outcome outcome, long now) {
    switch (outcome.effect()) {
      case DUPLICATE -> {
        metrics.duplicate();
        return;
      }
      case STALE -> {
        metrics.staleResult();
        return;
      }
      case REMOVED -> {
        current.timers().forEach(t -> index.delete(id, t));
        connections.delete(id);
        countConnection(current, -1);
        context.forward(new Record<>(id, null, now), STATUS_SINK);
        reportPending();
        log.debug("connection {} ({}) removed", id, current.provider());
        return;
      }
      case NOT_RENEWABLE -> metrics.refreshRequestNotRenewable(current.provider());
      default -> { }
    }
    Connection next = outcome.next();
    if (next == null) {
      return;
    }
    for (TokenExpiryEvent event : outcome.events()) {
      context.forward(new Record<>(id, event, now), EXPIRY_SINK);
      metrics.expiryEvent(event.getKind().name(), next.provider());
    }
    for (RefreshCommand command : outcome.commands()) {
      context.forward(new Record<>(id, command, now), COMMANDS_SINK);
      metrics.refreshCommand(command.getReason().name(), next.provider());
    }
    updateTimers(id, current, next);
    connections.put(id, next);
    if (transitions.visiblyDifferent(current, next)) {
      ConnectionStatus status = transitions.status(next, now);
      context.forward(new Record<>(id, status, now), STATUS_SINK);
      if (current == null || current.state() != next.state()) {
        log.debug("connection {} ({}) is {}{}", id, next.provider(), next.state(),
            status.getAttention() ? " and needs attention: " + status.getReason() : "");
      }
    }
    if (current == null) {
      countConnection(next, 1);
    } else if (current.state() != next.state() || !current.provider().equals(next.provider())
        || transitions.attention(current) != transitions.attention(next)) {
      countConnection(current, -1);
      countConnection(next, 1);
    }
  }

  private void updateTimers(String id, Connection current, Connection next) {
    // A connection has a handful of timers at most, so the lists themselves are the sets.
    List<Timer> before = current == null ? List.of() : current.timers();
    boolean sameGeneration = current != null && current.generation() == next.generation();
    List<Timer> keep = sameGeneration ? next.timers() : List.of();
    for (Timer t : before) {
      if (!keep.contains(t)) {
        index.delete(id, t);
      }
    }
    List<Timer> had = sameGeneration ? before : List.of();
    for (Timer t : next.timers()) {
      if (!had.contains(t)) {
        index.put(id, t, next.generation());
      }
    }
    reportPending();
  }

  private void deadLetter(Record<String, TokenLifecycleEvent> record, Rejection rejection) {
    metrics.deadLetter(rejection.reason());
    RecordMetadata source = context.recordMetadata().orElse(null);
    String topic = source == null ? null : source.topic();
    log.warn("record at {}-{}@{} for connection {} sent to the dead-letter topic: {}", topic,
        source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), record.key(),
        rejection.reason());
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    byte[] value = lifecycleSerializer.serialize(topic, record.value());
    var headers = DeadLetters.headers(rejection.reason(), rejection.detail(), topic,
        source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), null);
    context.forward(new Record<Object, Object>(key, value, record.timestamp(), headers), DEAD_LETTER_SINK);
  }

  /** Never earlier than the cursor, so a wall clock stepping back cannot hide a timer behind the cursor. */
  private long effectiveNow(long wallClock) {
    return Math.max(wallClock, index.cursor() - 1);
  }

  private void reportPending() {
    long size = index.size();
    metrics.timersPending(size - reportedPending);
    reportedPending = size;
  }

  private void countConnection(Connection c, long delta) {
    reportedConnections.merge(Map.entry(c.state().name(), c.provider()), delta, Long::sum);
    metrics.connections(c.state().name(), c.provider(), delta);
    if (transitions.attention(c)) {
      reportedAttention.merge(c.provider(), delta, Long::sum);
      metrics.attention(c.provider(), delta);
    }
  }

  @Override
  public void close() {
    // Another instance takes over this task's connections and timers; stop counting them here.
    metrics.timersPending(-reportedPending);
    reportedPending = 0;
    reportedConnections.forEach((key, count) -> metrics.connections(key.getKey(), key.getValue(), -count));
    reportedConnections.clear();
    reportedAttention.forEach((provider, count) -> metrics.attention(provider, -count));
    reportedAttention.clear();
  }
}
