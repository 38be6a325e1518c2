package io.tokenwarden.producer;

import io.tokenwarden.runtime.provider.Providers;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Checks events before they are sealed and sent; a violation names the field and nothing is sent. */
public final class EventValidator {

  /** Longest id accepted, in characters. */
  public static final int MAX_ID_LENGTH = 255;

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
    requireNotBefore("expiresAt", token.expiresAt(), occurredAt);
    requireNotBefore("refreshTokenExpiresAt", token.refreshTokenExpiresAt(), occurredAt);
    for (String scope : token.scopes()) {
      if (scope == null || scope.isBlank()) {
        throw new InvalidEventException("scopes", "must not contain blank scopes");
      }
    }
  }

  /** Validates a connection id. */
  public void requireId(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(field, "must not be blank");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new InvalidEventException(field, "must be at most " + MAX_ID_LENGTH + " characters, got "
          + value.length());
    }
  }

  private void requireProvider(String provider) {
    if (provider == null || provider.isBlank()) {
      throw new InvalidEventException("provider", "must not be blank");
    }
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
