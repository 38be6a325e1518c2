package io.tokenwarden.stream.state;

import io.tokenwarden.schema.SealedCredentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the stream knows about one connection, in the {@code connections} store: facts, not a label. What a
 * user sees (the state, the orange "!", the reason) is computed from these facts by
 * {@code io.tokenwarden.stream.processor.ConnectionView}, so no transition can forget to set it.
 *
 * @param connectionId the connection, also the store key
 * @param tenantId the owning tenant, if any
 * @param provider provider id
 * @param accountId the provider's account id
 * @param generation incremented on every accepted {@code TokenIssued} and {@code TokenRefreshed}; a new
 *     connection starts at its {@code TokenIssued}'s {@code occurredAt} in epoch millis, so a removed and re-added
 *     connection never reuses a generation
 * @param generationStartedAt when the current generation was accepted (wall clock): the start of the token's
 *     lifetime as the stream sees it, and the keep-alive base
 * @param credentials the sealed credentials, copied into refresh commands and never opened
 * @param expiresAt access-token expiry in epoch millis, null if it never expires
 * @param refreshTokenExpiresAt refresh-token expiry in epoch millis, null if unknown
 * @param lastRefreshedAt when the worker last renewed the token, null if never
 * @param revocation why the grant was revoked; null while it is not
 * @param permanentFailure error code of a refresh of this generation that failed {@code PERMANENT}, null if none
 * @param transientFailure error code of the last refresh of this generation that failed {@code TRANSIENT} (or
 *     {@code command_timeout}), null if none
 * @param attempt refresh commands emitted in this generation
 * @param outstandingCommandId the command awaiting a result, null if none
 * @param commandIssuedAt when the outstanding command was issued; null with it
 * @param lastAttemptAt when the last refresh command of the connection was issued, in any generation; the
 *     minimum interval between refreshes counts from here
 * @param refreshingSince when the current renewal began (its first command); null while none is under way
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
    String revocation,
    String permanentFailure,
    String transientFailure,
    int attempt,
    String outstandingCommandId,
    Long commandIssuedAt,
    Long lastAttemptAt,
    Long refreshingSince,
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
    recentEventIds = List.copyOf(recentEventIds);
    timers = List.copyOf(timers);
  }

  public boolean hasFired(TimerKind kind) {
    return ((fired | refreshTokenFired) & kind.bit()) != 0;
  }

  public boolean revoked() {
    return revocation != null;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * A mutable copy for building the next state. From {@link #toBuilder()} its lists are the original's, which are
   * immutable: assign new lists rather than changing them.
   */
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
    public String revocation;
    public String permanentFailure;
    public String transientFailure;
    public int attempt;
    public String outstandingCommandId;
    public Long commandIssuedAt;
    public Long lastAttemptAt;
    public Long refreshingSince;
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
      revocation = c.revocation;
      permanentFailure = c.permanentFailure;
      transientFailure = c.transientFailure;
      attempt = c.attempt;
      outstandingCommandId = c.outstandingCommandId;
      commandIssuedAt = c.commandIssuedAt;
      lastAttemptAt = c.lastAttemptAt;
      refreshingSince = c.refreshingSince;
      retryAt = c.retryAt;
      fired = c.fired;
      refreshTokenFired = c.refreshTokenFired;
      // The record's own immutable lists, not copies: most transitions (a fired timer) change neither, and a
      // caller that does replaces the list rather than changing it.
      recentEventIds = c.recentEventIds;
      timers = c.timers;
    }

    public Connection build() {
      return new Connection(connectionId, tenantId, provider, accountId, generation, generationStartedAt,
          credentials, expiresAt, refreshTokenExpiresAt, lastRefreshedAt, revocation, permanentFailure,
          transientFailure, attempt, outstandingCommandId, commandIssuedAt, lastAttemptAt, refreshingSince, retryAt,
          fired, refreshTokenFired, recentEventIds, timers);
    }
  }
}
