package io.tokenwarden.producer;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A token an upstream service received when a user connected or reconnected an account. {@link #toString()}
 * never shows the tokens.
 *
 * @param connectionId opaque id of the connection, at most 255 characters
 * @param tenantId the owning workspace, if any
 * @param provider a built-in provider id or a configured generic OAuth2 provider id
 * @param accountId the provider's id for the account
 * @param accessToken the access token, required
 * @param refreshToken the refresh token, if one was issued
 * @param tokenType the token type; {@code Bearer} when null
 * @param expiresAt when the access token expires; empty if it never does
 * @param refreshTokenExpiresAt when the refresh token expires, if known
 * @param scopes the granted scopes
 */
public record IssuedToken(
    String connectionId,
    Optional<String> tenantId,
    String provider,
    String accountId,
    String accessToken,
    Optional<String> refreshToken,
    String tokenType,
    Optional<Instant> expiresAt,
    Optional<Instant> refreshTokenExpiresAt,
    List<String> scopes) {

  public IssuedToken {
    tenantId = tenantId == null ? Optional.empty() : tenantId;
    refreshToken = refreshToken == null ? Optional.empty() : refreshToken;
    expiresAt = expiresAt == null ? Optional.empty() : expiresAt;
    refreshTokenExpiresAt = refreshTokenExpiresAt == null ? Optional.empty() : refreshTokenExpiresAt;
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  /** A builder-free start for the common case; use the canonical constructor for the rest. */
  public static IssuedToken of(String connectionId, String provider, String accountId, String accessToken,
      String refreshToken, Instant expiresAt) {
    return new IssuedToken(connectionId, Optional.empty(), provider, accountId, accessToken,
        Optional.ofNullable(refreshToken), "Bearer", Optional.ofNullable(expiresAt), Optional.empty(), List.of());
  }

  @Override
  public String toString() {
    return "IssuedToken[connectionId=" + connectionId + ", tenantId=" + tenantId.orElse(null)
        + ", provider=" + provider + ", accountId=" + accountId + ", accessToken=***, refreshToken="
        + (refreshToken.isPresent() ? "***" : "none") + ", expiresAt=" + expiresAt.orElse(null) + "]";
  }
}
