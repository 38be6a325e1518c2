package io.tokenwarden.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwarden.worker.outcome.RefreshOutcome;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's meters. Names use Micrometer's dotted form; a Prometheus registry renders
 * {@code tokenwarden.refresh.attempts} as {@code tokenwarden_refresh_attempts_total}, and so on.
 */
public final class WorkerMetrics {

  /** Counter {@code {provider, outcome, error}}; outcome is refreshed, transient or permanent; error is none or the code. */
  public static final String ATTEMPTS = "tokenwarden.refresh.attempts";
  /** Timer (histogram) {@code {provider}} of token endpoint calls. */
  public static final String DURATION = "tokenwarden.refresh.duration";
  /** Gauge: commands being handled right now. */
  public static final String IN_FLIGHT = "tokenwarden.refresh.in.flight";
  /** Gauge {@code {provider}}: 0 closed, 1 half-open, 2 open, 3 forced open or disabled. */
  public static final String CIRCUIT_STATE = "tokenwarden.provider.circuit.state";
  /** Counter {@code {provider, error}}: failures caused by our configuration (such as invalid_client). Alert on it. */
  public static final String MISCONFIGURATIONS = "tokenwarden.refresh.misconfigurations";
  /** Counter: command records that could not be decoded and were skipped. */
  public static final String UNDECODABLE = "tokenwarden.refresh.commands.undecodable";

  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();

  public WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(IN_FLIGHT, inFlight, AtomicInteger::get).description("Refresh commands being handled")
        .strongReference(true).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  void outcome(String provider, RefreshOutcome outcome) {
    Counter.builder(ATTEMPTS).description("Refresh commands handled, by outcome")
        .tag("provider", provider).tag("outcome", outcome.outcome()).tag("error", outcome.error())
        .register(registry).increment();
    if (outcome instanceof RefreshOutcome.Failed f && f.misconfiguration()) {
      Counter.builder(MISCONFIGURATIONS).description("Refresh failures caused by our configuration")
          .tag("provider", provider).tag("error", f.errorCode()).register(registry).increment();
    }
  }

  void duration(String provider, Duration d) {
    Timer.builder(DURATION).description("Token endpoint calls").tag("provider", provider)
        .publishPercentileHistogram().register(registry).record(d);
  }

  void circuit(String provider, CircuitBreaker breaker) {
    Gauge.builder(CIRCUIT_STATE, breaker, b -> switch (b.getState()) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
      default -> 3;
    }).description("Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 forced open or disabled")
        .tag("provider", provider).strongReference(true).register(registry);
  }

  void undecodable() {
    Counter.builder(UNDECODABLE).description("Command records that could not be decoded").register(registry)
        .increment();
  }

  /** The same meter as the expiry stream's, so one alert covers both: {@code tokenwarden_dead_letters_total}. */
  void deadLetter(String reason) {
    Counter.builder("tokenwarden.dead.letters").description("Records sent to the dead-letter topic")
        .tag("reason", reason).register(registry).increment();
  }
}
