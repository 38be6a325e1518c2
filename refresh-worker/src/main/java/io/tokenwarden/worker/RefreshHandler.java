package io.tokenwarden.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.SealingException;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.worker.outcome.ErrorClassification;
import io.tokenwarden.worker.outcome.RefreshOutcome;
import io.tokenwarden.worker.outcome.RefreshOutcome.Failed;
import io.tokenwarden.worker.outcome.RefreshOutcome.Refreshed;
import io.tokenwarden.worker.provider.ProviderSpec;
import io.tokenwarden.worker.provider.TokenEndpointError;
import io.tokenwarden.worker.provider.TokenGrant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Handles one refresh command: opens the credentials, calls the provider under its rate limiter and circuit
 * breaker, classifies the answer, and builds the lifecycle event to publish. Thread-safe; runs on the worker's
 * call threads. Keeps no state between commands.
 */
final class RefreshHandler {

  private static final Logger log = LoggerFactory.getLogger(RefreshHandler.class);

  /** The outcome of one command and the event that reports it. */
  record Handled(RefreshOutcome outcome, TokenLifecycleEvent event) {}

  private final ProviderClients providers;
  private final CredentialSealer sealer;
  private final WorkerMetrics metrics;
  private final Clock clock;

  RefreshHandler(ProviderClients providers, CredentialSealer sealer, WorkerMetrics metrics, Clock clock) {
    this.providers = providers;
    this.sealer = sealer;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * @param possiblyDeliveredBefore whether an earlier worker may have handled this command already (it lay
   *     between the committed offset and the end of the partition when this worker was assigned it)
   */
  Handled handle(RefreshCommand command, boolean possiblyDeliveredBefore) {
    MDC.put("connectionId", command.getConnectionId());
    MDC.put("provider", command.getProvider());
    MDC.put("commandId", command.getCommandId());
    try {
      RefreshOutcome outcome = outcome(command, possiblyDeliveredBefore);
      metrics.outcome(command.getProvider(), outcome);
      report(command, outcome);
      return new Handled(outcome, event(command, outcome));
    } finally {
      MDC.remove("connectionId");
      MDC.remove("provider");
      MDC.remove("commandId");
    }
  }

  /**
   * A {@code TRANSIENT} answer with our own {@code errorCode}, for a command whose handling failed in the worker
   * itself (the handler threw, the answer could not be encoded or sent): the stream retries it.
   */
  Handled failed(RefreshCommand command, String errorCode, String description) {
    Failed failed = Failed.transientFailure(errorCode, description, Optional.empty());
    metrics.outcome(command.getProvider(), failed);
    return new Handled(failed, event(command, failed));
  }

  private RefreshOutcome outcome(RefreshCommand command, boolean possiblyDeliveredBefore) {
    ProviderClients.Client client = providers.get(command.getProvider());
    if (client.spec().isPresent() && client.spec().get().how() == ProviderSpec.How.NOT_REFRESHABLE) {
      return Failed.permanent("not_refreshable", command.getProvider() + " tokens cannot be refreshed by a machine");
    }
    if (client.problem().isPresent() || client.endpoint().isEmpty()) {
      return Failed.misconfigured(client.spec().isEmpty() ? "unknown_provider" : "provider_not_configured",
          client.problem().orElse("provider not configured"));
    }
    ProviderSpec spec = client.spec().get();
    TokenCredentials credentials;
    try {
      credentials = sealer.open(command.getConnectionId(), command.getCredentials());
    } catch (SealingException e) {
      // A key missing from our keyset is our configuration, not the user's grant.
      return Failed.misconfigured("unsealing_failed", e.getMessage());
    }
    if (spec.how() != ProviderSpec.How.INSTAGRAM_API && credentials.refreshToken().isEmpty()) {
      return Failed.permanent("no_refresh_token", "the stored credentials have no refresh token");
    }
    CircuitBreaker breaker = client.circuitBreaker();
    if (!breaker.tryAcquirePermission()) {
      Instant now = clock.instant();
      return Failed.transientFailure("circuit_open", "calls to " + spec.id() + " are paused after repeated failures",
          Optional.of(client.circuitRetryAt(now)));
    }
    if (!client.rateLimiter().acquirePermission() || !capped(client)) {
      breaker.releasePermission();
      return Failed.transientFailure("rate_limited", "local rate limit of " + spec.id() + " reached",
          Optional.of(clock.instant().plusSeconds(1)));
    }
    List<String> secrets = secrets(credentials, client);
    long start = System.nanoTime();
    try {
      TokenGrant grant = client.endpoint().get().refresh(credentials);
      Instant at = clock.instant();
      long took = System.nanoTime() - start;
      metrics.duration(spec.id(), Duration.ofNanos(took));
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      return new Refreshed(credentials.renewed(grant.accessToken(), grant.refreshToken()),
          grant.expiresInSeconds().map(at::plusSeconds), grant.refreshExpiresInSeconds().map(at::plusSeconds), at);
    } catch (TokenEndpointError e) {
      long took = System.nanoTime() - start;
      metrics.duration(spec.id(), Duration.ofNanos(took));
      Failed failed = ErrorClassification.classify(spec.id(), e, secrets);
      if (failed.kind() == FailureKind.TRANSIENT && !failed.misconfiguration()) {
        breaker.onError(took, TimeUnit.NANOSECONDS, e);
      } else {
        // The provider is up: a user's dead grant or our bad client secret says nothing about its health.
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      }
      return ErrorClassification.afterPossibleReuse(failed, spec.rotatesRefreshToken(), possiblyDeliveredBefore);
    } catch (IOException e) {
      long took = System.nanoTime() - start;
      metrics.duration(spec.id(), Duration.ofNanos(took));
      breaker.onError(took, TimeUnit.NANOSECONDS, e);
      return ErrorClassification.classify(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      breaker.releasePermission();
      return Failed.transientFailure("interrupted", "the worker stopped during the call", Optional.empty());
    } catch (RuntimeException e) {
      // ScribeJava or the JDK client failing in an unexpected way; the message may not be safe to publish.
      long took = System.nanoTime() - start;
      breaker.onError(took, TimeUnit.NANOSECONDS, e);
      log.warn("refresh call failed unexpectedly: {}", e.getClass().getName());
      return Failed.transientFailure("client_error", e.getClass().getSimpleName(), Optional.empty());
    }
  }

  private static boolean capped(ProviderClients.Client client) {
    try {
      return client.cap().acquire(client.settings().map(s -> s.rateLimitWait().toNanos()).orElse(0L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static List<String> secrets(TokenCredentials credentials, ProviderClients.Client client) {
    List<String> secrets = new ArrayList<>();
    secrets.add(credentials.accessToken());
    credentials.refreshToken().ifPresent(secrets::add);
    client.settings().flatMap(s -> s.clientSecret()).ifPresent(secrets::add);
    return secrets;
  }

  private static void report(RefreshCommand command, RefreshOutcome outcome) {
    // Java 17 has no pattern matching for switch; the sealed interface keeps these two branches complete.
    if (outcome instanceof Refreshed) {
      log.info("refreshed connection {} at {} (attempt {})", command.getConnectionId(), command.getProvider(),
          command.getAttempt());
    } else if (outcome instanceof Failed f && f.misconfiguration()) {
      log.error("refresh of connection {} at {} failed by OUR configuration: {} ({}); fix the provider settings",
          command.getConnectionId(), command.getProvider(), f.errorCode(), f.description().orElse(""));
    } else if (outcome instanceof Failed f) {
      log.info("refresh of connection {} at {} failed {}: {}", command.getConnectionId(), command.getProvider(),
          f.kind(), f.errorCode());
    }
  }

  private TokenLifecycleEvent event(RefreshCommand command, RefreshOutcome outcome) {
    Object payload;
    if (outcome instanceof Refreshed r) {
      payload = TokenRefreshed.newBuilder()
          .setCredentials(sealer.seal(command.getConnectionId(), r.credentials()))
          .setExpiresAt(r.expiresAt().orElse(null))
          .setRefreshTokenExpiresAt(r.refreshTokenExpiresAt().orElse(null))
          .setGeneration(command.getGeneration())
          .setCommandId(command.getCommandId())
          .build();
    } else {
      Failed f = (Failed) outcome;
      payload = RefreshFailed.newBuilder()
          .setCommandId(command.getCommandId())
          .setGeneration(command.getGeneration())
          .setKind(f.kind())
          // A provider writes these; they are cut to the contract's limits like the stream cuts them.
          .setErrorCode(FieldLimits.truncate(f.errorCode(), FieldLimits.ERROR_CODE))
          .setErrorDescription(FieldLimits.truncate(f.description().orElse(null), FieldLimits.ERROR_DESCRIPTION))
          .setRetryAfter(f.retryAfter().orElse(null))
          .setAttempt(command.getAttempt())
          .build();
    }
    Instant occurredAt = outcome instanceof Refreshed r ? r.at() : clock.instant();
    return TokenLifecycleEvent.newBuilder()
        .setEventId(eventId(command, outcome))
        .setConnectionId(command.getConnectionId())
        .setTenantId(command.getTenantId())
        .setProvider(command.getProvider())
        .setAccountId(command.getAccountId())
        .setOccurredAt(occurredAt)
        .setPayload(payload)
        .build();
  }

  /** Deterministic per command and outcome, so a duplicate of the same answer is dropped by the stream. */
  static String eventId(RefreshCommand command, RefreshOutcome outcome) {
    String name = "refresh-worker|" + command.getCommandId() + "|" + outcome.outcome() + "|" + outcome.error();
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
