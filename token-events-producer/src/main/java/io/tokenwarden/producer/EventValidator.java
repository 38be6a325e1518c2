package io.tokenwarden.producer;

import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.runtime.provider.Providers;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks events before they are sealed and sent; a violation names the field and nothing is sent. The size of
 * every field is checked against {@link FieldLimits}, the catalogue the expiry stream enforces too.
 */
public final class EventValidator {

  /** Longest id accepted, in characters. */
  public static final int MAX_ID_LENGTH = FieldLimits.ID;

  private final Providers providers;
  private final Duration clockSkew;

  public EventValidator(Providers providers, Duration clockSkew) {
    this.providers = providers;
    this.clockSkew = clockSkew;
  }

  /** Validates an issued token as of {@code occurredAt}. */
  public void validate(IssuedToken token, Instant occurredAt) {
    requireId("connectionId", token.connectionId());
    token.tenantId().ifPresent(t -> requireId("tenantId", t));
    requireId("accountId", token.accountId());
    requireProvider(token.provider());
    if (token.accessToken() == null || token.accessToken().isBlank()) {
      throw new InvalidEventException("accessToken", "must be present");
    }
    requireAtMost("accessToken", token.accessToken(), FieldLimits.TOKEN);
    token.refreshToken().ifPresent(t -> requireAtMost("refreshToken", t, FieldLimits.TOKEN));
    requireAtMost("tokenType", token.tokenType(), FieldLimits.TOKEN_TYPE);
    requireNotBefore("expiresAt", token.expiresAt(), occurredAt);
    requireNotBefore("refreshTokenExpiresAt", token.refreshTokenExpiresAt(), occurredAt);
    if (token.scopes().size() > FieldLimits.SCOPES) {
      throw new InvalidEventException("scopes", "must have at most " + FieldLimits.SCOPES + " entries, got "
          + token.scopes().size());
    }
    for (String scope : token.scopes()) {
      if (scope == null || scope.isBlank()) {
        throw new InvalidEventException("scopes", "must not contain blank scopes");
      }
      requireAtMost("scopes", scope, FieldLimits.SCOPE);
    }
  }

  /** Validates who asked for a refresh, if anyone said. */
  public void requireRequestedBy(String requestedBy) {
    requireAtMost("requestedBy", requestedBy, FieldLimits.ID);
  }

  /** Validates a connection id. */
  public void requireId(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(field, "must not be blank");
    }
    requireAtMost(field, value, MAX_ID_LENGTH);
  }

  private static void requireAtMost(String field, String value, int max) {
    if (value != null && value.length() > max) {
      throw new InvalidEventException(field, "must be at most " + max + " characters, got " + value.length());
    }
  }

  private void requireProvider(String provider) {
    if (provider == null || provider.isBlank()) {
      throw new InvalidEventException("provider", "must not be blank");
    }
    requireAtMost("provider", provider, FieldLimits.PROVIDER);
    if (!providers.isKnown(provider)) {
      throw new InvalidEventException("provider", "unknown provider '" + provider + "': use one of "
          + Providers.BUILT_IN + " or configure TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2");
    }
  }

  private void requireNotBefore(String field, Optional<Instant> value, Instant occurredAt) {
    if (value.isPresent() && value.get().isBefore(occurredAt.minus(clockSkew))) {
      throw new InvalidEventException(field, "must be after the event time " + occurredAt + " (less "
          + clockSkew + " of clock skew), got " + value.get());
    }
  }
}
