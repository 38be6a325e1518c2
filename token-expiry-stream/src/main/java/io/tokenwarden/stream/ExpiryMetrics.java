package io.tokenwarden.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.RefreshReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stream's meters, on a registry passed in. Names use Micrometer's dotted form; a Prometheus registry
 * renders {@code tokenwarden.expiry.events} as {@code tokenwarden_expiry_events_total}, and so on.
 * The gauges sum over all tasks of this instance.
 *
 * <p>Every labelled counter is created at 0 for each label value known at start-up (every dead-letter reason,
 * refresh reason and expiry kind, by every built-in provider), so that {@code rate()} and {@code increase()} see
 * the first event, and so is the attention gauge of each built-in provider, so that a rise from nothing is a
 * rise for {@code x - x offset 30m}; generic and unknown providers' series start at their first event.
 */
public final class ExpiryMetrics {

  public static final String CONNECTIONS = "tokenwarden.connections";
  public static final String CONNECTIONS_ATTENTION = "tokenwarden.connections.attention";
  public static final String EXPIRY_EVENTS = "tokenwarden.expiry.events";
  public static final String REFRESH_COMMANDS = "tokenwarden.refresh.commands";
  public static final String REFRESH_COMMANDS_TIMED_OUT = "tokenwarden.refresh.commands.timed.out";
  public static final String TIMER_LAG = "tokenwarden.timer.lag";
  public static final String TIMERS_PENDING = "tokenwarden.timers.pending";
  public static final String STALE_RESULTS = "tokenwarden.stale.results";
  public static final String DEAD_LETTERS = "tokenwarden.dead.letters";
  public static final String DUPLICATE_EVENTS = "tokenwarden.duplicate.events";
  public static final String REFRESH_REQUESTS_NOT_RENEWABLE = "tokenwarden.refresh.requests.not.renewable";
  public static final String UNKNOWN_PROVIDER = "tokenwarden.unknown.provider";
  public static final String WORKER_RESULTS_CLAMPED = "tokenwarden.worker.results.clamped";
  public static final String STATE_UNDECODABLE = "tokenwarden.connection.state.undecodable";

  /** Fields of a worker result that the stream may repair (see {@code LifecycleValidation}). */
  public static final List<String> CLAMPED_FIELDS = List.of("occurredAt", "expiresAt", "refreshTokenExpiresAt",
      "retryAfter", "errorCode", "eventId", "credentials");

  private final MeterRegistry registry;
  private final AtomicLong timersPending = new AtomicLong();
  private final Map<Map.Entry<String, String>, AtomicLong> connections = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> attention = new ConcurrentHashMap<>();
  private final Timer timerLag;
  /** Counters by name and tag values: a registry look-up per event costs more than the increment. */
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
  private final Set<String> unknownProviders = ConcurrentHashMap.newKeySet();

  private static final Map<MeterRegistry, ExpiryMetrics> BY_REGISTRY = new WeakHashMap<>();

  /**
   * The stream's meters on {@code registry}, shared by every topology built on it: a gauge registered twice
   * would keep reading the first instance's value, so a restarted stream in the same JVM must reuse it.
   */
  public static synchronized ExpiryMetrics on(MeterRegistry registry) {
    return BY_REGISTRY.computeIfAbsent(registry, ExpiryMetrics::new);
  }

  private ExpiryMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(TIMERS_PENDING, timersPending, AtomicLong::get)
        .description("Timers waiting in the deadline index")
        .strongReference(true)
        .register(registry);
    this.timerLag = Timer.builder(TIMER_LAG)
        .description("Time from a timer's due time to its firing")
        .publishPercentileHistogram()
        // Buckets must reach past the 30 s alert threshold, or a p99 above it could never be seen.
        .maximumExpectedValue(Duration.ofMinutes(10))
        .serviceLevelObjectives(Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(30))
        .register(registry);
    counter(STALE_RESULTS, "Worker results for an older generation or command, dropped");
    counter(DUPLICATE_EVENTS, "Events whose id was already applied, dropped");
    counter(STATE_UNDECODABLE, "Stored connection states that could not be decoded");
    for (String reason : DeadLetters.STREAM_REASONS) {
      counter(DEAD_LETTERS, "Records sent to the dead-letter topic", "reason", reason);
    }
    for (String field : CLAMPED_FIELDS) {
      counter(WORKER_RESULTS_CLAMPED, "Worker results with a value out of range, repaired", "field", field);
    }
    for (String provider : Providers.BUILT_IN) {
      for (RefreshReason reason : RefreshReason.values()) {
        counter(REFRESH_COMMANDS, "Refresh commands emitted", "reason", reason.name(), "provider", provider);
      }
      for (ExpiryKind kind : ExpiryKind.values()) {
        counter(EXPIRY_EVENTS, "Expiry events emitted", "kind", kind.name(), "provider", provider);
      }
      counter(REFRESH_REQUESTS_NOT_RENEWABLE, "Refresh requests for tokens no machine can renew",
          "provider", provider);
      counter(REFRESH_COMMANDS_TIMED_OUT, "Refresh commands abandoned at their deadline", "provider", provider);
      attention(provider, 0);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The counter of {@code name} with these tags (name, value, ...), created at 0 if new. */
  private Counter counter(String name, String description, String... tags) {
    List<String> key = tags.length == 0 ? List.of(name)
        : tags.length == 2 ? List.of(name, tags[1]) : List.of(name, tags[1], tags[3]);
    return counters.computeIfAbsent(key, k ->
        Counter.builder(name).description(description).tags(tags).register(registry));
  }

  public void connections(String state, String provider, long delta) {
    connections.computeIfAbsent(Map.entry(state, provider), key -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder(CONNECTIONS, value, AtomicLong::get)
          .description("Connections by state and provider")
          .tag("state", state).tag("provider", provider)
          .strongReference(true)
          .register(registry);
      return value;
    }).addAndGet(delta);
  }

  /** Connections with the orange "!", by provider. */
  public void attention(String provider, long delta) {
    attention.computeIfAbsent(provider, key -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder(CONNECTIONS_ATTENTION, value, AtomicLong::get)
          .description("Connections that need a human (the orange \"!\"), by provider")
          .tag("provider", provider)
          .strongReference(true)
          .register(registry);
      return value;
    }).addAndGet(delta);
  }

  public void timersPending(long delta) {
    timersPending.addAndGet(delta);
  }

  public void expiryEvent(String kind, String provider) {
    counter(EXPIRY_EVENTS, "Expiry events emitted", "kind", kind, "provider", provider).increment();
  }

  public void refreshCommand(String reason, String provider) {
    counter(REFRESH_COMMANDS, "Refresh commands emitted", "reason", reason, "provider", provider).increment();
  }

  public void commandTimedOut(String provider) {
    counter(REFRESH_COMMANDS_TIMED_OUT, "Refresh commands abandoned at their deadline", "provider", provider)
        .increment();
  }

  public void timerLag(long millis) {
    timerLag.record(Duration.ofMillis(Math.max(0, millis)));
  }

  public void staleResult() {
    counter(STALE_RESULTS, "").increment();
  }

  public void duplicate() {
    counter(DUPLICATE_EVENTS, "").increment();
  }

  public void stateUndecodable() {
    counter(STATE_UNDECODABLE, "").increment();
  }

  public void refreshRequestNotRenewable(String provider) {
    counter(REFRESH_REQUESTS_NOT_RENEWABLE, "Refresh requests for tokens no machine can renew", "provider", provider)
        .increment();
  }

  public void resultClamped(String field) {
    counter(WORKER_RESULTS_CLAMPED, "Worker results with a value out of range, repaired", "field", field)
        .increment();
  }

  /**
   * Counts a use of the generic default policy for a provider this instance does not know; true the first time
   * for that provider, so that the caller logs it once.
   */
  public boolean unknownProvider(String provider) {
    counter(UNKNOWN_PROVIDER, "Connections handled with the generic default policy because their provider is not"
        + " configured", "provider", provider).increment();
    return unknownProviders.add(provider);
  }

  public static void deadLetter(MeterRegistry registry, String reason) {
    registry.counter(DEAD_LETTERS, "reason", reason).increment();
  }

  public void deadLetter(String reason) {
    counter(DEAD_LETTERS, "Records sent to the dead-letter topic", "reason", reason).increment();
  }
}
