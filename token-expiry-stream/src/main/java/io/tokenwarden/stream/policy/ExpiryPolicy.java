package io.tokenwarden.stream.policy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one provider's tokens are watched: when to refresh, when to warn, and how much to spread refreshes.
 *
 * @param refreshable whether a machine can renew the access token
 * @param refreshBefore lead before access expiry at which a proactive refresh is commanded; empty for none
 * @param warnBefore lead before access expiry at which {@code EXPIRING} is emitted if not yet renewed
 * @param refreshTokenWarnBefore lead before refresh-token expiry at which {@code REFRESH_TOKEN_EXPIRING} is
 *     emitted; empty for none
 * @param keepAliveEvery period of a refresh that proves the refresh token still works; empty for none
 * @param jitter refreshes and keep-alives happen up to this much earlier, derived from connection id and
 *     generation, so tokens issued together do not all refresh in the same second
 * @param minRefreshInterval least time between two automatic refresh commands of one connection (a token that
 *     lives less than twice this is refreshed at half its lifetime instead; see {@code RefreshTiming})
 */
public record ExpiryPolicy(
    Refreshable refreshable,
    Optional<Duration> refreshBefore,
    Duration warnBefore,
    Optional<Duration> refreshTokenWarnBefore,
    Optional<Duration> keepAliveEvery,
    Duration jitter,
    Duration minRefreshInterval) {

  /** Whether a machine can renew a provider's tokens. */
  public enum Refreshable {
    ALWAYS,
    NEVER,
    /** Renewable only when the connection has a refresh token, which we know by its expiry being reported. */
    IF_REFRESH_TOKEN;

    /** Whether a connection is renewable, given whether it has a (still valid) refresh token. */
    public boolean test(boolean hasRefreshToken) {
      return switch (this) {
        case ALWAYS -> true;
        case NEVER -> false;
        case IF_REFRESH_TOKEN -> hasRefreshToken;
      };
    }
  }

  public ExpiryPolicy {
    Objects.requireNonNull(refreshable, "refreshable");
    Objects.requireNonNull(refreshBefore, "refreshBefore");
    Objects.requireNonNull(warnBefore, "warnBefore");
    Objects.requireNonNull(refreshTokenWarnBefore, "refreshTokenWarnBefore");
    Objects.requireNonNull(keepAliveEvery, "keepAliveEvery");
    Objects.requireNonNull(jitter, "jitter");
    Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
  }

  /** The default of {@link #minRefreshInterval} for every provider. */
  public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofMinutes(1);

  static ExpiryPolicy of(Refreshable refreshable, String refreshBefore, String warnBefore,
      String refreshTokenWarnBefore, String keepAliveEvery, String jitter) {
    return new ExpiryPolicy(refreshable, optional(refreshBefore), Duration.parse(warnBefore),
        optional(refreshTokenWarnBefore), optional(keepAliveEvery), Duration.parse(jitter),
        DEFAULT_MIN_REFRESH_INTERVAL);
  }

  private static Optional<Duration> optional(String iso) {
    return iso == null ? Optional.empty() : Optional.of(Duration.parse(iso));
  }
}
