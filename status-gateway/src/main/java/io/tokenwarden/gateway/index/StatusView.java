package io.tokenwarden.gateway.index;

import io.tokenwarden.schema.ConnectionState;
import java.util.Comparator;

/**
 * One connection's status as the gateway holds and serves it: the fields of {@code ConnectionStatus} in a
 * compact form (times as epoch milliseconds, {@link #NONE} for absent), plus whether a machine can renew it.
 *
 * @param connectionId the connection (the record key)
 * @param tenantId its tenant; null when it has none, and then no tenant can read it
 * @param provider provider id
 * @param accountId the provider's id for the account
 * @param state lifecycle state
 * @param attention the orange "!": a human must act
 * @param reason why the state is what it is (an error code or an expiry reason), or null
 * @param expiresAt access-token expiry, or {@link #NONE}
 * @param refreshTokenExpiresAt refresh-token expiry, or {@link #NONE}
 * @param lastRefreshedAt last renewal by the worker, or {@link #NONE}
 * @param updatedAt when the stream computed this status
 * @param generation the token generation
 * @param renewable whether the refresh icon can help (see {@link Renewal})
 * @param refreshing a machine is renewing the token (a refresh command is out or a retry is scheduled)
 * @param refreshingSince when the current renewal began, or {@link #NONE}
 */
public record StatusView(
    String connectionId,
    String tenantId,
    String provider,
    String accountId,
    ConnectionState state,
    boolean attention,
    String reason,
    long expiresAt,
    long refreshTokenExpiresAt,
    long lastRefreshedAt,
    long updatedAt,
    long generation,
    boolean renewable,
    boolean refreshing,
    long refreshingSince) {

  /** An absent time. */
  public static final long NONE = Long.MIN_VALUE;

  /** A tenant's listing order: the "!" first, then by connection id. */
  public static final Comparator<StatusView> ORDER = Comparator
      .comparing((StatusView v) -> !v.attention())
      .thenComparing(StatusView::connectionId);

  /** A stand-in that sorts where a connection with this attention and id would, for cursor look-ups. */
  static StatusView probe(boolean attention, String connectionId) {
    return new StatusView(connectionId, null, "", "", ConnectionState.CONNECTED, attention, null, NONE, NONE, NONE,
        0, 0, false, false, NONE);
  }
}
