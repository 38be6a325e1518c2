package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.stream.state.TimerKind;

/**
 * What can happen to a connection, after {@link LifecycleValidation}: every value here is within its limits, free
 * text is truncated, and worker results' times are clamped. Times are epoch milliseconds.
 */
public sealed interface Input {

  /** The id for dropping duplicates; null for timers and for worker results that came without one. */
  String eventId();

  /** A user connected or reconnected ({@code TokenIssued}). */
  record Issued(String eventId, long occurredAt, String connectionId, String tenantId, String provider,
      String accountId, SealedCredentials credentials, Long expiresAt, Long refreshTokenExpiresAt) implements Input {}

  /**
   * The worker renewed the token of {@code generation} ({@code TokenRefreshed}); {@code expiresAt} null means the
   * provider did not say.
   */
  record Refreshed(String eventId, long occurredAt, long generation, SealedCredentials credentials, Long expiresAt,
      Long refreshTokenExpiresAt) implements Input {}

  /** The worker could not renew the token ({@code RefreshFailed}). */
  record Failed(String eventId, long generation, String commandId, FailureKind kind, String errorCode,
      Long retryAfter) implements Input {}

  /** A user asked for an immediate refresh ({@code RefreshRequested}). */
  record Requested(String eventId) implements Input {}

  /** The grant was revoked ({@code TokenRevoked}); {@code reason} is truncated to its limit. */
  record Revoked(String eventId, String reason) implements Input {}

  /** The connection was deleted ({@code ConnectionRemoved}). */
  record Removed(String eventId) implements Input {}

  /** One of the connection's timers is due. */
  record TimerFired(TimerKind kind) implements Input {
    private static final TimerFired[] BY_KIND = new TimerFired[TimerKind.values().length];

    static {
      for (TimerKind kind : TimerKind.values()) {
        BY_KIND[kind.ordinal()] = new TimerFired(kind);
      }
    }

    /** The shared instance for {@code kind}: a fired timer allocates no input. */
    public static TimerFired of(TimerKind kind) {
      return BY_KIND[kind.ordinal()];
    }

    @Override
    public String eventId() {
      return null;
    }
  }
}
