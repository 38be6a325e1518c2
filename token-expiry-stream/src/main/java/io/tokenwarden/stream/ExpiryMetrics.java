package io.tokenwarden.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stream's meters, on a registry passed in. Names use Micrometer's dotted form; a Prometheus registry
 * renders {@code tokenwarden.expiry.events} as {@code tokenwarden_expiry_events_total}, and so on.
 * The gauges sum over all tasks of this instance.
 */
public final class ExpiryMetrics {

  public static final String CONNECTIONS = "tokenwarden.connections";
  public static final String CONNECTIONS_ATTENTION = "tokenwarden.connections.attention";
  public static final String EXPIRY_EVENTS = "tokenwarden.expiry.events";
  public static final String REFRESH_COMMANDS = "tokenwarden.refresh.commands";
  public static final String TIMER_LAG = "tokenwarden.timer.lag";
  public static final String TIMERS_PENDING = "tokenwarden.timers.pending";
  public static final String STALE_RESULTS = "tokenwarden.stale.results";
  public static final String DEAD_LETTERS = "tokenwarden.dead.letters";
  public static final String DUPLICATE_EVENTS = "tokenwarden.duplicate.events";
  public static final String REFRESH_REQUESTS_NOT_RENEWABLE = "tokenwarden.refresh.requests.not.renewable";

  private final MeterRegistry registry;
  private final AtomicLong timersPending = new AtomicLong();
  private final Map<Map.Entry<String, String>, AtomicLong> connections = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> attention = new ConcurrentHashMap<>();
  private final Timer timerLag;
  /** Counters by name and tag values: a registry look-up per event costs more than the increment. */
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

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
    Counter.builder(STALE_RESULTS).description("Worker results for an older generation, dropped")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
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
    counters.computeIfAbsent(List.of(EXPIRY_EVENTS, kind, provider),
        key -> registry.counter(EXPIRY_EVENTS, "kind", kind, "provider", provider)).increment();
  }

  public void refreshCommand(String reason, String provider) {
    counters.computeIfAbsent(List.of(REFRESH_COMMANDS, reason, provider),
        key -> registry.counter(REFRESH_COMMANDS, "reason", reason, "provider", provider)).increment();
  }

  public void timerLag(long millis) {
    timerLag.record(Duration.ofMillis(Math.max(0, millis)));
  }

  public void staleResult() {
    registry.counter(STALE_RESULTS).increment();
  }

  public void duplicate() {
    registry.counter(DUPLICATE_EVENTS).increment();
  }

  public void refreshRequestNotRenewable(String provider) {
    registry.counter(REFRESH_REQUESTS_NOT_RENEWABLE, "provider", provider).increment();
  }

  public static void deadLetter(MeterRegistry registry, String reason) {
    registry.counter(DEAD_LETTERS, "reason", reason).increment();
  }

  public void deadLetter(String reason) {
    deadLetter(registry, reason);
  }
}
