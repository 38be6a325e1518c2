package io.tokenwarden.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.worker.provider.ProviderSettings;
import io.tokenwarden.worker.provider.ProviderSpec;
import io.tokenwarden.worker.provider.ProviderTable;
import io.tokenwarden.worker.provider.ScribeTokenEndpoint;
import io.tokenwarden.worker.provider.TokenEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@link Client} per provider id, built on first use from the {@link ProviderTable} and the provider's
 * {@code TOKENWARDEN_PROVIDER_<ID>_*} settings, with its own rate limiter and circuit breaker.
 */
final class ProviderClients {

  /** Share of {@code MAX_RPS} the worker paces at; the rest absorbs jitter between our clock and the provider's. */
  static final double PACING = 0.9;

  /**
   * A provider ready to call, or why it is not.
   *
   * @param spec how the provider refreshes; empty for an unknown provider id
   * @param settings the parsed settings, when they parse
   * @param endpoint the token endpoint, when the provider is configured and refreshable
   * @param problem why the provider cannot be called (unknown id, missing client id, bad setting)
   */
  record Client(Optional<ProviderSpec> spec, Optional<ProviderSettings> settings, Optional<TokenEndpoint> endpoint,
      Optional<String> problem, RateLimiter rateLimiter, SlidingSecond cap, CircuitBreaker circuitBreaker,
      AtomicReference<Instant> openedAt) {

    /** When an open circuit lets calls through again. */
    Instant circuitRetryAt(Instant now) {
      Duration wait = settings.map(ProviderSettings::circuitOpenFor).orElse(Duration.ofSeconds(30));
      Instant opened = openedAt.get();
      Instant at = opened == null ? now.plus(wait) : opened.plus(wait);
      return at.isBefore(now) ? now : at;
    }
  }

  private final ProviderTable table;
  private final Env env;
  private final Clock clock;
  private final WorkerMetrics metrics;
  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final Map<String, TokenEndpoint> overrides;

  ProviderClients(Env env, Clock clock, WorkerMetrics metrics, Map<String, TokenEndpoint> overrides) {
    this.table = new ProviderTable(env);
    this.env = env;
    this.clock = clock;
    this.metrics = metrics;
    this.overrides = Map.copyOf(overrides);
  }

  Client get(String providerId) {
    return clients.computeIfAbsent(providerId, this::build);
  }

  private Client build(String id) {
    Optional<ProviderSpec> spec = table.lookup(id);
    Optional<ProviderSettings> settings = Optional.empty();
    Optional<TokenEndpoint> endpoint = Optional.empty();
    Optional<String> problem = Optional.empty();
    if (spec.isEmpty()) {
      problem = Optional.of("unknown provider " + id + ": not built in, and TOKENWARDEN_PROVIDER_"
          + Env.envKey(id) + "_TYPE is not oauth2");
    } else {
      try {
        ProviderSettings parsed = ProviderSettings.from(env, spec.get());
        settings = Optional.of(parsed);
        if (spec.get().how() != ProviderSpec.How.NOT_REFRESHABLE) {
          endpoint = Optional.ofNullable(overrides.get(id))
              .or(() -> Optional.of(ScribeTokenEndpoint.create(spec.get(), parsed, clock)));
        }
      } catch (ConfigException e) {
        problem = Optional.of(e.getMessage());
      }
    }
    ProviderSettings s = settings.orElse(null);
    double maxRps = s == null ? ProviderSettings.DEFAULT_MAX_RPS : s.maxRps();
    // One permit per period, so calls are spread evenly instead of bursting at the start of each second, paced
    // at PACING of the maximum: thread scheduling and the network shift arrivals by some milliseconds, and the
    // provider counts arrivals, so it must never see more than maxRps in any second.
    RateLimiter limiter = RateLimiter.of("provider-" + id, RateLimiterConfig.custom()
        .limitForPeriod(1)
        .limitRefreshPeriod(Duration.ofNanos(Math.max(1_000, (long) (1_000_000_000L / (maxRps * PACING)))))
        .timeoutDuration(s == null ? Duration.ofSeconds(10) : s.rateLimitWait())
        .build());
    CircuitBreaker breaker = CircuitBreaker.of("provider-" + id, CircuitBreakerConfig.custom()
        .failureRateThreshold(s == null ? 50 : s.circuitFailureRate())
        .minimumNumberOfCalls(s == null ? 20 : s.circuitMinCalls())
        .slidingWindowSize(Math.max(s == null ? 20 : s.circuitMinCalls(), 50))
        .waitDurationInOpenState(s == null ? Duration.ofSeconds(30) : s.circuitOpenFor())
        .permittedNumberOfCallsInHalfOpenState(3)
        .build());
    AtomicReference<Instant> openedAt = new AtomicReference<>();
    breaker.getEventPublisher().onStateTransition(event -> {
      if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
        openedAt.set(clock.instant());
      }
    });
    metrics.circuit(id, breaker);
    return new Client(spec, settings, endpoint, problem, limiter, new SlidingSecond(maxRps), breaker, openedAt);
  }
}
