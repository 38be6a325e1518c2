package io.tokenwarden.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.worker.outcome.ErrorClassification;
import io.tokenwarden.worker.outcome.RefreshOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's meters. Names use Micrometer's dotted form; a Prometheus registry renders
 * {@code tokenwarden.refresh.attempts} as {@code tokenwarden_refresh_attempts_total}, and so on.
 *
 * <p>Labelled counters are created at 0 by {@link #initialise} for every label value known at start-up, so that
 * {@code rate()} and {@code increase()} see their first event (Prometheus' instrumentation guidance).
 */
public final class WorkerMetrics {

  /**
   * Counter {@code {provider, outcome, error}}; outcome is refreshed, transient or permanent; error is none or
   * the code, bounded by {@link ErrorCodes#label}.
   */
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
  /**
   * Counter: commands skipped because an earlier owner of their partition had published their answer (listed in
   * the offset commit's metadata); each one is a provider call, and maybe a spent refresh token, saved.
   */
  public static final String SKIPPED = "tokenwarden.refresh.commands.skipped";
  /** Counter {@code {reason}}, shared with the expiry stream: records sent to the dead-letter topic. */
  public static final String DEAD_LETTERS = "tokenwarden.dead.letters";

  /** The reasons the worker dead-letters a command with. */
  public static final List<String> DEAD_LETTER_REASONS =
      List.of(DeadLetters.UNDECODABLE, DeadLetters.NULL_VALUE, DeadLetters.HANDLER_ERROR, DeadLetters.TOO_LARGE);

  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();

  public WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(IN_FLIGHT, inFlight, AtomicInteger::get).description("Refresh commands being handled")
        .strongReference(true).register(registry);
  }

  /**
   * Creates every labelled counter at 0 for these providers: attempts for each outcome and error label the
   * worker can produce, misconfigurations, dead letters by reason, and the unlabelled counters.
   */
  void initialise(Collection<String> providers) {
    List<String> errors = new ArrayList<>(ErrorCodes.KNOWN);
    // The stream's own codes never come out of the worker.
    errors.remove(ErrorCodes.COMMAND_TIMEOUT);
    errors.remove(ErrorCodes.CREDENTIALS_TOO_LARGE);
    errors.add(ErrorCodes.OTHER);
    for (String provider : providers) {
      attempts(provider, "refreshed", "none");
      for (String error : errors) {
        attempts(provider, "transient", error);
        attempts(provider, "permanent", error);
      }
      for (String error : ErrorClassification.MISCONFIGURATION) {
        misconfigurations(provider, error);
      }
      for (String error : List.of("unsealing_failed", "unknown_provider", "provider_not_configured")) {
        misconfigurations(provider, error);
      }
    }
    DEAD_LETTER_REASONS.forEach(this::deadLetters);
    undecodableCounter();
    skippedCounter();
  }

  public MeterRegistry registry() {
    return registry;
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  void outcome(String provider, RefreshOutcome outcome) {
    String error = outcome instanceof RefreshOutcome.Refreshed ? "none" : ErrorCodes.label(outcome.error());
    attempts(provider, outcome.outcome(), error).increment();
    if (outcome instanceof RefreshOutcome.Failed f && f.misconfiguration()) {
      misconfigurations(provider, ErrorCodes.label(f.errorCode())).increment();
    }
  }

  private Counter attempts(String provider, String outcome, String error) {
    return Counter.builder(ATTEMPTS).description("Refresh commands handled, by outcome")
        .tag("provider", provider).tag("outcome", outcome).tag("error", error).register(registry);
  }

  private Counter misconfigurations(String provider, String error) {
    return Counter.builder(MISCONFIGURATIONS).description("Refresh failures caused by our configuration")
        .tag("provider", provider).tag("error", error).register(registry);
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
    undecodableCounter().increment();
  }

  private Counter undecodableCounter() {
    return Counter.builder(UNDECODABLE).description("Command records that could not be decoded").register(registry);
  }

  void skipped() {
    skippedCounter().increment();
  }

  private Counter skippedCounter() {
    return Counter.builder(SKIPPED)
        .description("Commands skipped because an earlier owner of their partition had published their answer")
        .register(registry);
  }

  /** The same meter as the expiry stream's, so one alert covers both: {@code tokenwarden_dead_letters_total}. */
  void deadLetter(String reason) {
    deadLetters(reason).increment();
  }

  private Counter deadLetters(String reason) {
    return Counter.builder(DEAD_LETTERS).description("Records sent to the dead-letter topic")
        .tag("reason", reason).register(registry);
  }
}
