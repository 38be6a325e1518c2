package io.tokenwarden.stream.state;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.SealedCredentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the stream keeps about one connection, in the {@code connections} store.
 *
 * @param connectionId the connection, also the store key
 * @param tenantId the owning tenant, if any
 * @param provider provider id
 * @param accountId the provider's account id
 * @param generation incremented on every accepted {@code TokenIssued} and {@code TokenRefreshed}; a new
 *     connection starts at its {@code TokenIssued}'s {@code occurredAt} in epoch millis, so a removed and re-added
 *     connection never reuses a generation
 * @param generationStartedAt when the current generation was accepted (wall clock), the keep-alive base
 * @param credentials the sealed credentials, copied into refresh commands and never opened
 * @param expiresAt access-token expiry in epoch millis, null if it never expires
 * @param refreshTokenExpiresAt refresh-token expiry in epoch millis, null if unknown
 * @param lastRefreshedAt when the worker last renewed the token, null if never
 * @param state the lifecycle state
 * @param failure the error code of the last failure or the revocation reason, shown as the status reason in
 *     {@code DEGRADED}, {@code NEEDS_RECONNECT} and {@code REVOKED}
 * @param attempt refresh commands emitted in this generation
 * @param outstandingCommandId the command awaiting a result, null if none
 * @param retryAt when the next {@code RETRY} command is due, null if none
 * @param fired mask of {@link TimerKind#bit()}s of access-token timers fired in this generation
 * @param refreshTokenFired mask of refresh-token timers fired for the current refresh-token expiry
 * @param recentEventIds ids of recently applied events, newest last, for dropping duplicates
 * @param timers the timers this connection has in the deadline index
 */
public record Connection(
    String connectionId,
    String tenantId,
    String provider,
    String accountId,
    long generation,
    long generationStartedAt,
    SealedCredentials credentials,
    Long expiresAt,
    Long refreshTokenExpiresAt,
    Long lastRefreshedAt,
    ConnectionState state,
    String failure,
    int attempt,
    String outstandingCommandId,
    Long retryAt,
    int fired,
    int refreshTokenFired,
    List<String> recentEventIds,
    List<Timer> timers) {

  public Connection {
    Objects.requireNonNull(connectionId, "connectionId");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(state, "state");
    recentEventIds = List.copyOf(recentEventIds);
    timers = List.copyOf(timers);
  }

  public boolean hasFired(TimerKind kind) {
    return ((fired | refreshTokenFired) & kind.bit()) != 0;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A mutable copy for building the next state. */
  public static final class Builder {
    public String connectionId;
    public String tenantId;
    public String provider;
    public String accountId;
    public long generation;
    public long generationStartedAt;
    public SealedCredentials credentials;
    public Long expiresAt;
    public Long refreshTokenExpiresAt;
    public Long lastRefreshedAt;
    public ConnectionState state;
    public String failure;
    public int attempt;
    public String outstandingCommandId;
    public Long retryAt;
    public int fired;
    public int refreshTokenFired;
    public List<String> recentEventIds;
    public List<Timer> timers;

    public Builder() {
      recentEventIds = new ArrayList<>();
      timers = new ArrayList<>();
    }

    Builder(Connection c) {
      connectionId = c.connectionId;
      tenantId = c.tenantId;
      provider = c.provider;
      accountId = c.accountId;
      generation = c.generation;
      generationStartedAt = c.generationStartedAt;
      credentials = c.credentials;
      expiresAt = c.expiresAt;
      refreshTokenExpiresAt = c.refreshTokenExpiresAt;
      lastRefreshedAt = c.lastRefreshedAt;
      state = c.state;
      failure = c.failure;
      attempt = c.attempt;
      outstandingCommandId = c.outstandingCommandId;
      retryAt = c.retryAt;
      fired = c.fired;
      refreshTokenFired = c.refreshTokenFired;
      recentEventIds = new ArrayList<>(c.recentEventIds);
      timers = new ArrayList<>(c.timers);
    }

    public Connection build() {
      return new Connection(connectionId, tenantId, provider, accountId, generation, generationStartedAt,
          credentials, expiresAt, refreshTokenExpiresAt, lastRefreshedAt, state, failure, attempt,
          outstandingCommandId, retryAt, fired, refreshTokenFired, recentEventIds, timers);
    }
  }
}
