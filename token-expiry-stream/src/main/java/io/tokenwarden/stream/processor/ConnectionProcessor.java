package io.tokenwarden.stream.processor;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryMetrics;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.processor.LifecycleValidation.Checked;
import io.tokenwarden.stream.processor.LifecycleValidation.Rejection;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.DeadlineIndex;
import io.tokenwarden.stream.state.FiredThrough;
import io.tokenwarden.stream.state.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.StreamsException;
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
 * Keeps each connection's state and timers. It loads, asks {@link Transitions} for a {@link Decision}, and applies
 * it: first the store, then the output records, then the deadline index and the meters, so that a decision that
 * throws has changed nothing. A wall-clock punctuator fires due timers from the {@link DeadlineIndex}, capped by
 * count and time per run so a backlog drains over several runs. A fired warning or expiry whose firing only marks it
 * fired is not rewritten into its connection's record: the task's fired-through cursor ({@link FiredThrough}),
 * written once per punctuation, covers it, and every read of the store applies the mark ({@code settled}).
 *
 * <p>No record stops the task. An event that fails validation goes to the dead-letter topic with its reason; an
 * event whose processing throws is dead-lettered by Kafka Streams' processing exception handler
 * ({@code DeadLetterHandler}); a timer whose firing throws is dropped from the index, dead-lettered as
 * {@code timer_error} and the other timers fire; a stored state that cannot be decoded is skipped when the
 * index is rebuilt, and replaced by the next {@code TokenIssued} (or deleted by a {@code ConnectionRemoved}).
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

  /**
   * The task's fired-through cursor ({@link FiredThrough}), one record under {@link #FIRED_THROUGH_KEY}; its changelog
   * is {@code <application.id>-expiry-fired-through-changelog}. Written once per punctuation that fired anything,
   * in the same transaction as what it fired.
   */
  public static final String FIRED_THROUGH_STORE = "expiry-fired-through";
  static final String FIRED_THROUGH_KEY = "cursor";

  private static final Logger log = LoggerFactory.getLogger(ConnectionProcessor.class);

  private final Duration punctuateInterval;
  private final int punctuateMaxTimers;
  private final long punctuateMaxTimeNanos;
  private final ExpiryPolicies policies;
  private final Transitions transitions;
  private final ConnectionView view;
  private final LifecycleValidation validation;
  private final ExpiryMetrics metrics;
  private final Serializer<TokenLifecycleEvent> lifecycleSerializer;

  private ProcessorContext<Object, Object> context;
  private KeyValueStore<String, Connection> connections;
  private KeyValueStore<String, FiredThrough> firedThroughStore;
  /** Where the task has fired through; ahead of the stored one during a punctuation. Null: nothing yet. */
  private FiredThrough firedThrough;
  private DeadlineIndex index;
  private long reportedPending;
  private final Map<Map.Entry<String, String>, Long> reportedConnections = new HashMap<>();
  private final Map<String, Long> reportedAttention = new HashMap<>();

  /** A processor of one task; {@link io.tokenwarden.stream.ExpiryTopology} builds one per task. */
  public ConnectionProcessor(ExpiryConfig config, Transitions transitions, LifecycleValidation validation,
      ExpiryMetrics metrics, Serializer<TokenLifecycleEvent> lifecycleSerializer) {
    this.punctuateInterval = config.punctuateInterval();
    this.punctuateMaxTimers = config.punctuateMaxTimers();
    this.punctuateMaxTimeNanos = config.punctuateMaxTime().toNanos();
    this.policies = config.policies();
    this.transitions = transitions;
    this.view = new ConnectionView(config.policies());
    this.validation = validation;
    this.metrics = metrics;
    this.lifecycleSerializer = lifecycleSerializer;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.connections = context.getStateStore(CONNECTIONS_STORE);
    this.firedThroughStore = context.getStateStore(FIRED_THROUGH_STORE);
    this.firedThrough = firedThroughStore.get(FIRED_THROUGH_KEY);
    // Also after a rebalance or a revived task: the index is rebuilt from what the store holds now.
    this.index = new DeadlineIndex();
    try (KeyValueIterator<String, Connection> all = connections.all()) {
      while (all.hasNext()) {
        String id = all.peekNextKey();
        Connection c;
        try {
          c = settled(all.next().value);
        } catch (SerializationException e) {
          // The iterator has moved past it. One bad value (a bad rollback, a hand-written changelog record) must
          // not stop the task; its connection gets a new state from its next TokenIssued.
          metrics.stateUndecodable();
          log.warn("the stored state of connection {} cannot be decoded ({}); it is skipped until a TokenIssued"
              + " replaces it", id, e.getClass().getSimpleName());
          continue;
        }
        index.putAll(c);
        countConnection(view.shown(c), 1);
        if (!policies.resolve(c.provider()).known()) {
          unknownProvider(c.provider());
        }
      }
    }
    reportPending();
    context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, TokenLifecycleEvent> record) {
    long now = effectiveNow(context.currentSystemTimeMs());
    Checked checked = validation.check(record.key(), record.value(), now);
    if (checked.rejection() != null) {
      deadLetter(record, checked.rejection());
      return;
    }
    String id = record.key();
    Input input = checked.input();
    MDC.put("connectionId", id);
    try {
      Connection current;
      try {
        current = settled(connections.get(id));
      } catch (SerializationException e) {
        metrics.stateUndecodable();
        if (!(input instanceof Input.Issued) && !(input instanceof Input.Removed)) {
          // To the processing exception handler: dead-lettered as processing_error, and the task goes on.
          throw e;
        }
        log.warn("the stored state of connection {} cannot be decoded ({}); the {} replaces it", id,
            e.getClass().getSimpleName(), input instanceof Input.Issued ? "TokenIssued" : "ConnectionRemoved");
        if (input instanceof Input.Removed) {
          // Not delete(): it decodes the old value, and would throw again.
          connections.put(id, null);
          context.forward(new Record<>(id, null, now), STATUS_SINK);
          return;
        }
        current = null;
      }
      Decision decision = transitions.decide(current, input, now);
      if (log.isDebugEnabled()) {
        log.debug("{} on connection {} ({}): {}", record.value().getPayload().getClass().getSimpleName(), id,
            current == null ? record.value().getProvider() : current.provider(), decision.effect());
      }
      apply(id, decision, now);
      for (String field : checked.clamped()) {
        metrics.resultClamped(field);
      }
    } finally {
      MDC.remove("connectionId");
    }
  }

  /** Fires due timers, at most {@code punctuateMaxTimers} and for about {@code punctuateMaxTime}. */
  void punctuate(long wallClock) {
    long now = effectiveNow(wallClock);
    long started = System.nanoTime();
    List<DeadlineIndex.Entry> due = index.due(now, punctuateMaxTimers);
    FiredThrough stored = firedThrough;
    int fired = 0;
    for (DeadlineIndex.Entry entry : due) {
      if (fired > 0 && System.nanoTime() - started > punctuateMaxTimeNanos) {
        index.advanceCursor(entry.due());
        log.debug("punctuation stopped after {} timers by its time cap; the rest fire next time", fired);
        break;
      }
      try {
        fire(entry, now);
      } catch (StreamsException e) {
        // Fencing, a migrated task: Kafka Streams' own business.
        throw e;
      } catch (RuntimeException e) {
        timerFailed(entry, e, now);
      }
      // The index returns timers in its order, so every timer up to this one has now been dealt with.
      firedThrough = FiredThrough.later(firedThrough, FiredThrough.of(entry));
      fired++;
    }
    if (fired == due.size()) {
      if (due.size() < punctuateMaxTimers) {
        index.advanceCursor(now + 1);
      } else if (!due.isEmpty()) {
        index.advanceCursor(due.get(due.size() - 1).due());
      }
    }
    if (!Objects.equals(stored, firedThrough)) {
      // Once per punctuation, in the transaction of everything it fired.
      firedThroughStore.put(FIRED_THROUGH_KEY, firedThrough);
    }
  }

  private void fire(DeadlineIndex.Entry entry, long now) {
    String id = entry.connectionId();
    Timer timer = new Timer(entry.kind(), entry.due());
    Connection current = settled(connections.get(id));
    if (current == null || current.generation() != entry.generation() || !current.timers().contains(timer)) {
      // Fired already by an earlier timer of this batch, or left behind: never fire it, just drop it.
      index.delete(id, timer);
      reportPending();
      return;
    }
    MDC.put("connectionId", id);
    try {
      metrics.timerLag(now - entry.due());
      Decision decision = transitions.decide(current, Input.TimerFired.of(entry.kind()), now);
      if (log.isDebugEnabled()) {
        log.debug("timer {} of connection {} ({}) fired {} ms late", entry.kind(), id, current.provider(),
            now - entry.due());
      }
      // Not rewritten when the firing only marks the timer fired: the cursor, written at the end of this
      // punctuation, says so, and settled() applies the mark when the record is next read.
      Connection marked = decision.commands().isEmpty()
          ? Transitions.markedFired(current, entry.kind()) : null;
      apply(id, decision, now, marked == null || !marked.equals(decision.next()));
    } finally {
      MDC.remove("connectionId");
    }
  }

  /**
   * A timer whose firing threw is never retried: it would throw again at every punctuation and hold up every
   * timer behind it. It is dropped (the connection's next event derives its timers afresh) and dead-lettered.
   */
  private void timerFailed(DeadlineIndex.Entry entry, RuntimeException e, long now) {
    index.delete(entry.connectionId(), new Timer(entry.kind(), entry.due()));
    reportPending();
    metrics.deadLetter(DeadLetters.TIMER_ERROR);
    // The class and where it was thrown, never the message: it may quote the data being processed.
    StackTraceElement at = e.getStackTrace().length == 0 ? null : e.getStackTrace()[0];
    log.warn("timer {} of connection {} due at {} threw {} at {}; the timer is dropped", entry.kind(),
        entry.connectionId(), Instant.ofEpochMilli(entry.due()), e.getClass().getName(), at);
    String detail = "timer " + entry.kind() + " due at " + Instant.ofEpochMilli(entry.due()) + " threw; dropped";
    var headers = DeadLetters.headersNamingException(DeadLetters.TIMER_ERROR, detail, null, -1, -1, e.getClass());
    context.forward(new Record<Object, Object>(entry.connectionId().getBytes(StandardCharsets.UTF_8), null, now,
        headers), DEAD_LETTER_SINK);
  }

  private void apply(String id, Decision d, long now) {
    apply(id, d, now, true);
  }

  /**
   * Applies a decision: the store (unless {@code store} is false: a fired timer the cursor accounts for), then the
   * records, then the index and the meters.
   */
  private void apply(String id, Decision d, long now, boolean store) {
    Connection next = d.next();
    switch (store ? d.store() : Decision.Store.NONE) {
      case PUT -> connections.put(id, next);
      // A null put deletes without decoding the old value, as delete() would.
      case DELETE -> connections.put(id, null);
      case NONE -> { }
    }
    for (TokenExpiryEvent event : d.events()) {
      context.forward(new Record<>(id, event, now), EXPIRY_SINK);
    }
    for (RefreshCommand command : d.commands()) {
      context.forward(new Record<>(id, command, now), COMMANDS_SINK);
    }
    if (d.status() != null) {
      context.forward(new Record<>(id, d.status(), now), STATUS_SINK);
    } else if (d.tombstone()) {
      context.forward(new Record<>(id, null, now), STATUS_SINK);
    }
    if (!d.timersRemoved().isEmpty() || !d.timersAdded().isEmpty()) {
      for (Timer t : d.timersRemoved()) {
        index.delete(id, t);
      }
      for (Timer t : d.timersAdded()) {
        index.put(id, t, next.generation());
      }
      reportPending();
    }
    count(d);
  }

  private void count(Decision d) {
    String provider = d.next() != null ? d.next().provider() : d.before() != null ? d.before().provider() : null;
    switch (d.effect()) {
      case DUPLICATE -> metrics.duplicate();
      case STALE -> metrics.staleResult();
      case NOT_RENEWABLE -> metrics.refreshRequestNotRenewable(provider);
      default -> { }
    }
    for (Decision.Signal signal : d.signals()) {
      switch (signal) {
        case UNKNOWN_PROVIDER -> unknownProvider(provider);
        case COMMAND_TIMED_OUT -> metrics.commandTimedOut(provider);
      }
    }
    for (TokenExpiryEvent event : d.events()) {
      metrics.expiryEvent(event.getKind().name(), provider);
    }
    for (RefreshCommand command : d.commands()) {
      metrics.refreshCommand(command.getReason().name(), provider);
    }
    if (d.store() != Decision.Store.NONE && !Objects.equals(d.before(), d.after())) {
      if (d.before() != null) {
        countConnection(d.before(), -1);
      }
      if (d.after() != null) {
        countConnection(d.after(), 1);
      }
      if (d.status() != null && log.isDebugEnabled() && (d.before() == null || d.before().state() != d.after().state())) {
        log.debug("connection {} ({}) is {}{}", d.next().connectionId(), provider, d.after().state(),
            d.after().attention() ? " and needs attention: " + d.status().getReason() : "");
      }
    }
  }

  private void unknownProvider(String provider) {
    if (metrics.unknownProvider(provider)) {
      log.warn("provider '{}' of stored connections is not configured here; they get the generic default policy"
          + " (configure TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2 and its policy, or remove the connections)",
          provider);
    }
  }

  private void deadLetter(Record<String, TokenLifecycleEvent> record, Rejection rejection) {
    metrics.deadLetter(rejection.reason());
    RecordMetadata source = context.recordMetadata().orElse(null);
    String topic = source == null ? null : source.topic();
    log.warn("record at {}-{}@{} for connection {} sent to the dead-letter topic: {}", topic,
        source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), abbreviated(record.key()),
        rejection.reason());
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    byte[] value = lifecycleSerializer.serialize(topic, record.value());
    var headers = DeadLetters.headers(rejection.reason(), rejection.detail(), topic,
        source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), null);
    context.forward(new Record<Object, Object>(key, value, record.timestamp(), headers), DEAD_LETTER_SINK);
  }

  /** A key for a log line: a rejected one may be of any length. */
  private static String abbreviated(String key) {
    return key == null || key.length() <= 100 ? key : key.substring(0, 100) + "... (" + key.length() + " chars)";
  }

  /**
   * Never earlier than the cursors, so a wall clock stepping back cannot hide a timer behind them: every timer a
   * decision leaves in a record is due after {@code now}, so it is after the fired-through cursor too, and a
   * record holds no timer at or before that cursor that has not fired.
   */
  private long effectiveNow(long wallClock) {
    long now = Math.max(wallClock, index.cursor() - 1);
    return firedThrough == null ? now : Math.max(now, firedThrough.due());
  }

  /**
   * The true state of a stored record: its timers at or before the fired-through cursor have fired, and those
   * left in it only for want of a rewrite are marked fired here. Every read of the store goes through this.
   */
  private Connection settled(Connection stored) {
    if (stored == null || firedThrough == null) {
      return stored;
    }
    Connection c = stored;
    for (Timer t : stored.timers()) {
      if (firedThrough.covers(stored.connectionId(), t)) {
        Connection marked = Transitions.markedFired(c, t.kind());
        if (marked != null) {
          c = marked;
        }
      }
    }
    return c;
  }

  private void reportPending() {
    long size = index.size();
    metrics.timersPending(size - reportedPending);
    reportedPending = size;
  }

  private void countConnection(ConnectionView.Shown shown, long delta) {
    reportedConnections.merge(Map.entry(shown.state().name(), shown.provider()), delta, Long::sum);
    metrics.connections(shown.state().name(), shown.provider(), delta);
    if (shown.attention()) {
      reportedAttention.merge(shown.provider(), delta, Long::sum);
      metrics.attention(shown.provider(), delta);
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
