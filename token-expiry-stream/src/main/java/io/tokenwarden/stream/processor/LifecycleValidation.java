package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/** Checks a decoded lifecycle event before it may touch state; a failure sends it to the dead-letter topic. */
public final class LifecycleValidation {

  /** Why a record was rejected: a stable reason code for metrics and headers, and a human detail. */
  public record Rejection(String reason, String detail) {}

  static final long EARLIEST_EXPIRY = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();

  private final ExpiryPolicies policies;

  public LifecycleValidation(ExpiryPolicies policies) {
    this.policies = policies;
  }

  public Optional<Rejection> check(String key, TokenLifecycleEvent event, long now) {
    if (event == null) {
      return reject("null_value", "a null value (tombstone) is not a lifecycle event");
    }
    if (event.getPayload() == null) {
      return reject("missing_payload", "the event has no payload");
    }
    if (event.getEventId() == null || event.getEventId().isBlank()) {
      return reject("missing_event_id", "the event has no eventId");
    }
    if (key == null || !key.equals(event.getConnectionId())) {
      return reject("key_mismatch", "the record key must be the connection id");
    }
    String provider = event.getProvider();
    if (event.getPayload() instanceof TokenIssued issued) {
      if (provider == null || provider.isBlank()) {
        return reject("missing_provider", "TokenIssued needs a provider");
      }
      if (event.getAccountId() == null || event.getAccountId().isBlank()) {
        return reject("missing_account_id", "TokenIssued needs an accountId");
      }
      Optional<Rejection> bad = checkExpiry("expiresAt", issued.getExpiresAt(), now)
          .or(() -> checkExpiry("refreshTokenExpiresAt", issued.getRefreshTokenExpiresAt(), now));
      if (bad.isPresent()) {
        return bad;
      }
    }
    if (event.getPayload() instanceof TokenRefreshed refreshed) {
      Optional<Rejection> bad = checkExpiry("expiresAt", refreshed.getExpiresAt(), now)
          .or(() -> checkExpiry("refreshTokenExpiresAt", refreshed.getRefreshTokenExpiresAt(), now));
      if (bad.isPresent()) {
        return bad;
      }
    }
    if (provider != null && !policies.isKnown(provider)) {
      return reject("unknown_provider", "unknown provider '" + provider
          + "'; configure it with TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2");
    }
    return Optional.empty();
  }

  private static Optional<Rejection> checkExpiry(String field, Instant value, long now) {
    if (value == null) {
      return Optional.empty();
    }
    long latest = ZonedDateTime.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC).plusYears(10)
        .toInstant().toEpochMilli();
    if (value.toEpochMilli() < EARLIEST_EXPIRY || value.toEpochMilli() > latest) {
      return reject("expires_at_out_of_range", field + " " + value
          + " is before 2000 or more than 10 years ahead; is it in seconds rather than milliseconds?");
    }
    return Optional.empty();
  }

  private static Optional<Rejection> reject(String reason, String detail) {
    return Optional.of(new Rejection(reason, detail));
  }
}
