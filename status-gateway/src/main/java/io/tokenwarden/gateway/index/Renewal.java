package io.tokenwarden.gateway.index;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.processor.ConnectionView;

/**
 * Whether the refresh icon can help a connection: a machine can renew its token. The status record does not
 * say so, so it is derived from the expiry policy of the provider (the stream's own table) and what the status
 * shows: a provider renewable only with a refresh token counts as renewable once a refresh-token expiry is
 * known, a refresh happened, or one is under way. A revoked token and a dead refresh token are not renewable.
 */
public final class Renewal {

  private final ExpiryPolicies policies;

  public Renewal(ExpiryPolicies policies) {
    this.policies = policies;
  }

  /** Whether a {@code RefreshRequested} for this status can lead to a renewal. */
  public boolean renewable(ConnectionStatus s) {
    if (s.getState() == ConnectionState.REVOKED || !policies.isKnown(s.getProvider())
        || ConnectionView.REASON_REFRESH_TOKEN_EXPIRED.equals(s.getReason())) {
      return false;
    }
    boolean hasRefreshToken = s.getRefreshTokenExpiresAt() != null || s.getLastRefreshedAt() != null
        || s.getRefreshing() || s.getState() == ConnectionState.REFRESHING || s.getState() == ConnectionState.DEGRADED;
    return policies.forProvider(s.getProvider()).refreshable().test(hasRefreshToken);
  }
}
