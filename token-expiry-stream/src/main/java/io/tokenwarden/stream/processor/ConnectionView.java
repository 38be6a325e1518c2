package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.policy.ExpiryPolicy;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.TimerKind;
import java.time.Instant;
import java.util.Objects;

/**
 * What a user sees of a connection, computed from its facts: the state, the orange "!" ({@code attention}), the
 * reason and the status record. This is the one definition of the "!"; the README states the same rule.
 *
 * <p>The "!" is on exactly when a human must act:
 * <ul>
 *   <li>the grant was revoked, or a refresh of the current token failed {@code PERMANENT};</li>
 *   <li>or the access token is past its {@code expiresAt} and was not renewed, whatever refresh is in flight or
 *       failing;</li>
 *   <li>or the refresh token is past its expiry or inside its warning window;</li>
 *   <li>or the access token is inside its warning window and no machine can renew it.</li>
 * </ul>
 * A refresh in flight or scheduled is a detail ({@code refreshing}, {@code refreshingSince}); it never replaces
 * {@code EXPIRED} or {@code NEEDS_RECONNECT}.
 */
public final class ConnectionView {

  /** Reasons shown on {@code connections.status} when the state has no error code of its own. */
  public static final String REASON_EXPIRING = "access_token_expiring";
  public static final String REASON_EXPIRED = "access_token_expired";
  public static final String REASON_REFRESH_TOKEN_EXPIRING = "refresh_token_expiring";
  public static final String REASON_REFRESH_TOKEN_EXPIRED = "refresh_token_expired";
  /** The reason of a revocation that came without one. */
  public static final String REASON_REVOKED = "revoked";

  private static final int EXPIRE = TimerKind.EXPIRE.bit();
  private static final int WARN = TimerKind.WARN.bit();
  private static final int REFRESH_TOKEN_EXPIRE = TimerKind.REFRESH_TOKEN_EXPIRE.bit();
  private static final int REFRESH_TOKEN_WARN = TimerKind.REFRESH_TOKEN_WARN.bit();

  /** What the gauges count of a connection: its state and "!", by provider. */
  public record Shown(ConnectionState state, boolean attention, String provider) {}

  private final ExpiryPolicies policies;

  public ConnectionView(ExpiryPolicies policies) {
    this.policies = policies;
  }

  public Shown shown(Connection c) {
    return new Shown(state(c), attention(c), c.provider());
  }

  /** The state label, from the facts, most urgent first. */
  public static ConnectionState state(Connection c) {
    if (c.revocation() != null) {
      return ConnectionState.REVOKED;
    }
    if ((c.fired() & EXPIRE) != 0) {
      return ConnectionState.EXPIRED;
    }
    if (c.permanentFailure() != null) {
      return ConnectionState.NEEDS_RECONNECT;
    }
    if ((c.fired() & WARN) != 0) {
      return ConnectionState.EXPIRING;
    }
    if (c.transientFailure() != null) {
      return ConnectionState.DEGRADED;
    }
    return c.outstandingCommandId() != null ? ConnectionState.REFRESHING : ConnectionState.CONNECTED;
  }

  /** The orange "!": true exactly when a human must act (see the class comment). */
  public boolean attention(Connection c) {
    if (c.revocation() != null || c.permanentFailure() != null || (c.fired() & EXPIRE) != 0
        || c.refreshTokenFired() != 0) {
      return true;
    }
    return (c.fired() & WARN) != 0 && !renewable(c);
  }

  /** Whether a machine can renew the connection's access token. */
  public boolean renewable(Connection c) {
    return renewable(policies.forProvider(c.provider()), c.credentials().getHasRefreshToken(),
        c.refreshTokenExpiresAt(), c.refreshTokenFired());
  }

  /**
   * Whether a machine can renew a token of this policy: the provider renews tokens (LinkedIn only with a refresh
   * token, which the sealed credentials or a known refresh-token expiry tell), and the refresh token is not dead.
   */
  static boolean renewable(ExpiryPolicy policy, boolean hasRefreshToken, Long refreshTokenExpiresAt,
      int refreshTokenFired) {
    return (refreshTokenFired & REFRESH_TOKEN_EXPIRE) == 0
        && policy.refreshable().test(hasRefreshToken || refreshTokenExpiresAt != null);
  }

  /**
   * Why the connection looks as it does: the revocation reason or the permanent error code, the expiry, the refresh
   * token's deadline, the coming expiry, or the last transient error code; null when all is well.
   */
  public static String reason(Connection c) {
    if (c.revocation() != null) {
      return c.revocation();
    }
    if ((c.fired() & EXPIRE) != 0) {
      return REASON_EXPIRED;
    }
    if (c.permanentFailure() != null) {
      return c.permanentFailure();
    }
    if ((c.refreshTokenFired() & REFRESH_TOKEN_EXPIRE) != 0) {
      return REASON_REFRESH_TOKEN_EXPIRED;
    }
    if ((c.refreshTokenFired() & REFRESH_TOKEN_WARN) != 0) {
      return REASON_REFRESH_TOKEN_EXPIRING;
    }
    if ((c.fired() & WARN) != 0) {
      return REASON_EXPIRING;
    }
    return c.transientFailure();
  }

  /** Whether a machine is renewing the token: a command is out or a retry is scheduled. */
  public static boolean refreshing(Connection c) {
    return c.outstandingCommandId() != null || c.retryAt() != null;
  }

  /** The status record of a connection whose view is {@code shown}, as computed at {@code now}. */
  public ConnectionStatus status(Connection c, Shown shown, long now) {
    return new ConnectionStatus(c.connectionId(), c.tenantId(), c.provider(), c.accountId(), shown.state(),
        shown.attention(), reason(c), instant(c.expiresAt()), instant(c.refreshTokenExpiresAt()),
        instant(c.lastRefreshedAt()), Instant.ofEpochMilli(now), c.generation(), refreshing(c),
        instant(c.refreshingSince()));
  }

  /** The status record of a connection, as computed at {@code now}. */
  public ConnectionStatus status(Connection c, long now) {
    return status(c, shown(c), now);
  }

  /**
   * Whether two states look different on {@code connections.status}: any field of the status record but its
   * update time. {@code sa} and {@code sb} are the views of {@code a} and {@code b}.
   */
  public static boolean visiblyDifferent(Connection a, Shown sa, Connection b, Shown sb) {
    return !sa.equals(sb) || !Objects.equals(reason(a), reason(b))
        || !Objects.equals(a.expiresAt(), b.expiresAt())
        || !Objects.equals(a.refreshTokenExpiresAt(), b.refreshTokenExpiresAt())
        || !Objects.equals(a.lastRefreshedAt(), b.lastRefreshedAt()) || a.generation() != b.generation()
        || !Objects.equals(a.tenantId(), b.tenantId()) || !a.accountId().equals(b.accountId())
        || refreshing(a) != refreshing(b) || !Objects.equals(a.refreshingSince(), b.refreshingSince());
  }

  private static Instant instant(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis);
  }
}
