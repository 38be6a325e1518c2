package io.tokenwarden.stream.processor;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.ConnectionRemoved;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.schema.TokenRevoked;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.state.EventIds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a decoded lifecycle event before it may touch state, and turns it into an {@link Input}.
 *
 * <p>Events from upstream services ({@code TokenIssued}, {@code RefreshRequested}, {@code TokenRevoked},
 * {@code ConnectionRemoved}) that break a rule are rejected: the processor sends them to the dead-letter topic
 * with the reason. A revocation reason is free text and is truncated instead.
 *
 * <p>Worker results ({@code TokenRefreshed}, {@code RefreshFailed}) are never rejected once they can be routed
 * to their connection, because a lost result could lose a renewed token: out-of-range times are clamped, an
 * error code is truncated, and each such repair is reported in {@link Checked#clamped} to be counted.
 */
public final class LifecycleValidation {

  /** Why a record was rejected: a stable reason code for metrics and headers, and a human detail. */
  public record Rejection(String reason, String detail) {}

  /**
   * The outcome of a check: an input, or a rejection.
   *
   * @param input the event as the transitions take it; null when rejected
   * @param rejection why it was rejected; null when accepted
   * @param clamped names of the fields of a worker result that were repaired
   */
  public record Checked(Input input, Rejection rejection, List<String> clamped) {}

  /** The earliest expiry or event time accepted: anything before is 0, negative, or seconds taken as millis. */
  static final long EARLIEST = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
  /** The furthest an expiry may lie ahead: ten years (and a day per year, for leap years). */
  static final long LATEST_EXPIRY_AHEAD = Duration.ofDays(3660).toMillis();
  /** How far ahead of the stream's clock an upstream event may be stamped. */
  static final long LATEST_OCCURRED_AHEAD = Duration.ofDays(1).toMillis();
  /** The longest {@code retryAfter} obeyed; a later one is taken as this. */
  static final long LATEST_RETRY_AFTER = Duration.ofDays(1).toMillis();

  private final ExpiryPolicies policies;

  public LifecycleValidation(ExpiryPolicies policies) {
    this.policies = policies;
  }

  public Checked check(String key, TokenLifecycleEvent event, long now) {
    if (event == null) {
      return reject(DeadLetters.NULL_VALUE, "a null value (tombstone) is not a lifecycle event");
    }
    Object payload = event.getPayload();
    if (payload == null) {
      return reject(DeadLetters.MISSING_PAYLOAD, "the event has no payload");
    }
    if (key == null || !key.equals(event.getConnectionId())) {
      return reject(DeadLetters.KEY_MISMATCH, "the record key must be the connection id");
    }
    if (payload instanceof TokenRefreshed refreshed) {
      return refreshed(event, refreshed, now);
    }
    if (payload instanceof RefreshFailed failed) {
      return failed(event, failed, now);
    }
    String eventId = event.getEventId();
    if (eventId == null || eventId.isBlank()) {
      return reject(DeadLetters.MISSING_EVENT_ID, "the event has no eventId");
    }
    long occurredAt = event.getOccurredAt().toEpochMilli();
    if (occurredAt < EARLIEST || occurredAt > now + LATEST_OCCURRED_AHEAD) {
      return reject(DeadLetters.OCCURRED_AT_OUT_OF_RANGE, "occurredAt " + event.getOccurredAt()
          + " is before 2000 or more than a day ahead of the stream's clock");
    }
    Rejection tooLarge = firstTooLarge(event);
    if (tooLarge != null) {
      return new Checked(null, tooLarge, List.of());
    }
    if (payload instanceof TokenIssued issued) {
      return issued(event, issued, now);
    }
    if (payload instanceof RefreshRequested requested) {
      if (!FieldLimits.fits(requested.getRequestedBy(), FieldLimits.ID)) {
        return tooLarge("requestedBy", requested.getRequestedBy().length(), FieldLimits.ID);
      }
      return accept(new Input.Requested(eventId));
    }
    if (payload instanceof TokenRevoked revoked) {
      return accept(new Input.Revoked(eventId, FieldLimits.truncate(revoked.getReason(), FieldLimits.REVOKE_REASON)));
    }
    if (payload instanceof ConnectionRemoved) {
      return accept(new Input.Removed(eventId));
    }
    return reject(DeadLetters.MISSING_PAYLOAD, "unsupported payload " + payload.getClass().getSimpleName());
  }

  private Checked issued(TokenLifecycleEvent event, TokenIssued issued, long now) {
    String provider = event.getProvider();
    if (provider == null || provider.isBlank()) {
      return reject(DeadLetters.MISSING_PROVIDER, "TokenIssued needs a provider");
    }
    if (event.getAccountId() == null || event.getAccountId().isBlank()) {
      return reject(DeadLetters.MISSING_ACCOUNT_ID, "TokenIssued needs an accountId");
    }
    Rejection bad = expiryOutOfRange("expiresAt", issued.getExpiresAt(), now);
    if (bad == null) {
      bad = expiryOutOfRange("refreshTokenExpiresAt", issued.getRefreshTokenExpiresAt(), now);
    }
    if (bad == null) {
      bad = credentialsTooLarge(issued.getCredentials());
    }
    if (bad == null && issued.getScopes().size() > FieldLimits.SCOPES) {
      bad = new Rejection(DeadLetters.TOO_LARGE, "scopes has " + issued.getScopes().size() + " entries; at most "
          + FieldLimits.SCOPES);
    }
    if (bad == null) {
      for (CharSequence scope : issued.getScopes()) {
        if (scope != null && scope.length() > FieldLimits.SCOPE) {
          bad = new Rejection(DeadLetters.TOO_LARGE, "a scope is " + scope.length() + " characters; at most "
              + FieldLimits.SCOPE);
          break;
        }
      }
    }
    if (bad != null) {
      return new Checked(null, bad, List.of());
    }
    if (!policies.isKnown(provider)) {
      return reject(DeadLetters.UNKNOWN_PROVIDER, "unknown provider '" + provider
          + "'; configure it with TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2");
    }
    return accept(new Input.Issued(event.getEventId(), event.getOccurredAt().toEpochMilli(), event.getConnectionId(),
        event.getTenantId(), provider, event.getAccountId(), issued.getCredentials(), millis(issued.getExpiresAt()),
        millis(issued.getRefreshTokenExpiresAt())));
  }

  private static Checked refreshed(TokenLifecycleEvent event, TokenRefreshed refreshed, long now) {
    List<String> clamped = new ArrayList<>(0);
    String eventId = resultEventId(event, clamped);
    long occurredAt = event.getOccurredAt().toEpochMilli();
    if (occurredAt < EARLIEST || occurredAt > now) {
      // lastRefreshedAt: when the stream learned of it, rather than a time that never was.
      occurredAt = now;
      clamped.add("occurredAt");
    }
    if (credentialsTooLarge(refreshed.getCredentials()) != null) {
      // Nowhere to keep them: the renewal is as good as failed, and is retried.
      clamped.add("credentials");
      return new Checked(new Input.Failed(eventId, refreshed.getGeneration(), refreshed.getCommandId(),
          FailureKind.TRANSIENT, ErrorCodes.CREDENTIALS_TOO_LARGE, null), null, clamped);
    }
    Long expiresAt = clampExpiry("expiresAt", millis(refreshed.getExpiresAt()), now, clamped);
    Long refreshTokenExpiresAt = clampExpiry("refreshTokenExpiresAt", millis(refreshed.getRefreshTokenExpiresAt()),
        now, clamped);
    return new Checked(new Input.Refreshed(eventId, occurredAt, refreshed.getGeneration(), refreshed.getCredentials(),
        expiresAt, refreshTokenExpiresAt), null, clamped);
  }

  private static Checked failed(TokenLifecycleEvent event, RefreshFailed failed, long now) {
    List<String> clamped = new ArrayList<>(0);
    String eventId = resultEventId(event, clamped);
    String code = failed.getErrorCode();
    if (code == null || code.isBlank()) {
      code = ErrorCodes.OTHER;
      clamped.add("errorCode");
    } else if (!FieldLimits.fits(code, FieldLimits.ERROR_CODE)) {
      code = FieldLimits.truncate(code, FieldLimits.ERROR_CODE);
      clamped.add("errorCode");
    }
    Long retryAfter = millis(failed.getRetryAfter());
    if (retryAfter != null && retryAfter < EARLIEST) {
      retryAfter = null;
      clamped.add("retryAfter");
    } else if (retryAfter != null && retryAfter > now + LATEST_RETRY_AFTER) {
      retryAfter = now + LATEST_RETRY_AFTER;
      clamped.add("retryAfter");
    }
    return new Checked(new Input.Failed(eventId, failed.getGeneration(), failed.getCommandId(), failed.getKind(),
        code, retryAfter), null, clamped);
  }

  /** A result's event id for dropping duplicates: none if missing, a digest if over-long. */
  private static String resultEventId(TokenLifecycleEvent event, List<String> clamped) {
    String eventId = event.getEventId();
    if (eventId == null || eventId.isBlank()) {
      clamped.add("eventId");
      return null;
    }
    if (!FieldLimits.fits(eventId, FieldLimits.ID)) {
      clamped.add("eventId");
      return EventIds.digest(eventId);
    }
    return eventId;
  }

  /** An expiry before 2000 is unknown; one more than ten years ahead is taken as ten years. */
  private static Long clampExpiry(String field, Long value, long now, List<String> clamped) {
    if (value == null) {
      return null;
    }
    if (value < EARLIEST) {
      clamped.add(field);
      return null;
    }
    if (value > now + LATEST_EXPIRY_AHEAD) {
      clamped.add(field);
      return now + LATEST_EXPIRY_AHEAD;
    }
    return value;
  }

  private static Rejection firstTooLarge(TokenLifecycleEvent event) {
    if (!FieldLimits.fits(event.getEventId(), FieldLimits.ID)) {
      return tooLargeRejection("eventId", event.getEventId().length(), FieldLimits.ID);
    }
    if (!FieldLimits.fits(event.getConnectionId(), FieldLimits.ID)) {
      return tooLargeRejection("connectionId", event.getConnectionId().length(), FieldLimits.ID);
    }
    if (!FieldLimits.fits(event.getTenantId(), FieldLimits.ID)) {
      return tooLargeRejection("tenantId", event.getTenantId().length(), FieldLimits.ID);
    }
    if (!FieldLimits.fits(event.getProvider(), FieldLimits.PROVIDER)) {
      return tooLargeRejection("provider", event.getProvider().length(), FieldLimits.PROVIDER);
    }
    if (!FieldLimits.fits(event.getAccountId(), FieldLimits.ID)) {
      return tooLargeRejection("accountId", event.getAccountId().length(), FieldLimits.ID);
    }
    return null;
  }

  private static Rejection credentialsTooLarge(SealedCredentials credentials) {
    if (!FieldLimits.fits(credentials.getKeyId(), FieldLimits.KEY_ID)) {
      return tooLargeRejection("credentials.keyId", credentials.getKeyId().length(), FieldLimits.KEY_ID);
    }
    int bytes = credentials.getCiphertext().remaining();
    if (bytes > FieldLimits.CIPHERTEXT_BYTES) {
      return new Rejection(DeadLetters.TOO_LARGE, "credentials.ciphertext is " + bytes + " bytes; at most "
          + FieldLimits.CIPHERTEXT_BYTES);
    }
    return null;
  }

  private static Rejection expiryOutOfRange(String field, Instant value, long now) {
    if (value == null) {
      return null;
    }
    long millis = value.toEpochMilli();
    if (millis < EARLIEST || millis > now + LATEST_EXPIRY_AHEAD) {
      return new Rejection(DeadLetters.EXPIRES_AT_OUT_OF_RANGE, field + " " + value
          + " is before 2000 or more than 10 years ahead; is it in seconds rather than milliseconds?");
    }
    return null;
  }

  private static Rejection tooLargeRejection(String field, int length, int max) {
    return new Rejection(DeadLetters.TOO_LARGE, field + " is " + length + " characters; at most " + max);
  }

  private static Checked tooLarge(String field, int length, int max) {
    return new Checked(null, tooLargeRejection(field, length, max), List.of());
  }

  private static Checked accept(Input input) {
    return new Checked(input, null, List.of());
  }

  private static Checked reject(String reason, String detail) {
    return new Checked(null, new Rejection(reason, detail), List.of());
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }
}
