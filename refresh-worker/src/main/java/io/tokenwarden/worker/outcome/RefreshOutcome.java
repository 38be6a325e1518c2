package io.tokenwarden.worker.outcome;

import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.FailureKind;
import java.time.Instant;
import java.util.Optional;

/** What became of one refresh command. */
public sealed interface RefreshOutcome {

  /** The label of {@code tokenwarden_refresh_attempts_total{outcome}}. */
  String outcome();

  /** The label of {@code tokenwarden_refresh_attempts_total{error}}: the error code, or {@code none}. */
  String error();

  /**
   * The provider renewed the token. {@link #toString()} never shows a token.
   *
   * @param credentials the new credentials: the new access token, and the new refresh token or the old one kept
   * @param expiresAt when the new access token expires: the answer's arrival plus {@code expires_in}; empty if
   *     the provider did not say
   * @param refreshTokenExpiresAt from {@code refresh_expires_in} or {@code refresh_token_expires_in}
   * @param at when the provider's answer arrived
   */
  record Refreshed(TokenCredentials credentials, Optional<Instant> expiresAt, Optional<Instant> refreshTokenExpiresAt,
      Instant at) implements RefreshOutcome {
    @Override
    public String outcome() {
      return "refreshed";
    }

    @Override
    public String error() {
      return "none";
    }

    @Override
    public String toString() {
      return "Refreshed[" + credentials + ", expiresAt=" + expiresAt.map(Instant::toString).orElse("-") + "]";
    }
  }

  /**
   * The token was not renewed.
   *
   * @param kind TRANSIENT: retry later; PERMANENT: a human must reconnect
   * @param errorCode the provider's error code or ours ({@code timeout}, {@code not_refreshable}, ...)
   * @param description detail for humans, redacted: never a token or secret
   * @param retryAfter earliest time to retry, from {@code Retry-After} or an open circuit
   * @param misconfiguration whether the cause is our configuration rather than the user's grant: logged as an
   *     error and counted so that an alert fires
   */
  record Failed(FailureKind kind, String errorCode, Optional<String> description, Optional<Instant> retryAfter,
      boolean misconfiguration) implements RefreshOutcome {
    @Override
    public String outcome() {
      return kind == FailureKind.PERMANENT ? "permanent" : "transient";
    }

    @Override
    public String error() {
      return errorCode;
    }

    public static Failed permanent(String errorCode, String description) {
      return new Failed(FailureKind.PERMANENT, errorCode, Optional.ofNullable(description), Optional.empty(), false);
    }

    public static Failed transientFailure(String errorCode, String description, Optional<Instant> retryAfter) {
      return new Failed(FailureKind.TRANSIENT, errorCode, Optional.ofNullable(description), retryAfter, false);
    }

    /** TRANSIENT, so no user sees a "!" for it, but flagged as our misconfiguration. */
    public static Failed misconfigured(String errorCode, String description) {
      return new Failed(FailureKind.TRANSIENT, errorCode, Optional.ofNullable(description), Optional.empty(), true);
    }
  }
}
