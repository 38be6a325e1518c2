package io.tokenwarden.stream.processor;

import io.tokenwarden.schema.ConnectionRemoved;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.schema.TokenRevoked;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.policy.ExpiryPolicy;
import io.tokenwarden.stream.processor.Outcome.Effect;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.EventIds;
import io.tokenwarden.stream.state.Timer;
import io.tokenwarden.stream.state.TimerKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The transition table of a connection, as a pure function of its state, an input and the wall-clock time.
 * The processor around it only loads, stores and forwards. Timers are not kept as instructions but derived:
 * {@link #desiredTimers} says which deadlines a state has, and the processor makes the deadline index match.
 */
public final class Transitions {

  /** Reasons shown on {@code connections.status} when the state has no error code of its own. */
  public static final String REASON_EXPIRING = "access_token_expiring";
  public static final String REASON_EXPIRED = "access_token_expired";
  public static final String REASON_REFRESH_TOKEN_EXPIRING = "refresh_token_expiring";
  public static final String REASON_REFRESH_TOKEN_EXPIRED = "refresh_token_expired";

  private static final int ACCESS_BITS =
      TimerKind.REFRESH.bit() | TimerKind.KEEP_ALIVE.bit() | TimerKind.WARN.bit() | TimerKind.EXPIRE.bit();

  private final ExpiryPolicies policies;
  private final Duration retryBackoff;
  private final Duration retryBackoffMax;
  private final int dedupWindow;

  public Transitions(ExpiryPolicies policies, Duration retryBackoff, Duration retryBackoffMax, int dedupWindow) {
    this.policies = policies;
    this.retryBackoff = retryBackoff;
    this.retryBackoffMax = retryBackoffMax;
    this.dedupWindow = dedupWindow;
  }

  /** Applies a validated lifecycle event to the connection's state ({@code null} if it has none). */
  public Outcome onEvent(Connection current, TokenLifecycleEvent event, long now) {
    if (current != null && current.recentEventIds().contains(event.getEventId())) {
      return Outcome.unchanged(current, Effect.DUPLICATE);
    }
    Object payload = event.getPayload();
    if (payload instanceof TokenIssued issued) {
      return issued(current, event, issued, now);
    }
    if (current == null) {
      // Results and requests for a connection we do not know (removed, or never issued) change nothing.
      boolean result = payload instanceof TokenRefreshed || payload instanceof RefreshFailed;
      return Outcome.unchanged(null, result ? Effect.STALE : Effect.IGNORED);
    }
    if (payload instanceof TokenRefreshed refreshed) {
      return refreshed(current, event, refreshed, now);
    }
    if (payload instanceof RefreshFailed failed) {
      return failed(current, event, failed, now);
    }
    if (payload instanceof RefreshRequested) {
      return requested(current, event, now);
    }
    if (payload instanceof TokenRevoked revoked) {
      Step s = new Step(current, now);
      s.remember(event.getEventId());
      s.b.state = ConnectionState.REVOKED;
      s.b.failure = revoked.getReason() != null ? revoked.getReason() : "revoked";
      s.b.outstandingCommandId = null;
      s.b.retryAt = null;
      return s.settle(Effect.APPLIED);
    }
    if (payload instanceof ConnectionRemoved) {
      return new Outcome(null, Effect.REMOVED, List.of(), List.of());
    }
    throw new IllegalArgumentException("unsupported payload " + payload.getClass().getSimpleName());
  }

  /** Fires one timer of the connection, then any other timers that became due. */
  public Outcome onTimer(Connection current, TimerKind kind, long now) {
    Step s = new Step(current, now);
    s.fire(kind);
    return s.settle(Effect.APPLIED);
  }

  private Outcome issued(Connection current, TokenLifecycleEvent event, TokenIssued issued, long now) {
    Connection.Builder b = current == null ? new Connection.Builder() : current.toBuilder();
    b.connectionId = event.getConnectionId();
    b.tenantId = event.getTenantId();
    b.provider = event.getProvider();
    b.accountId = event.getAccountId();
    // A new connection starts from its issue time rather than 1, so that a connection removed and added
    // again under the same id never reuses a generation, and with it the ids of its expiry events.
    b.generation = current == null ? Math.max(1, event.getOccurredAt().toEpochMilli()) : current.generation() + 1;
    startGeneration(b, now);
    b.credentials = issued.getCredentials();
    b.expiresAt = millis(issued.getExpiresAt());
    b.refreshTokenExpiresAt = millis(issued.getRefreshTokenExpiresAt());
    b.refreshTokenFired = 0;
    Step s = new Step(b, now);
    s.remember(event.getEventId());
    return s.settle(Effect.APPLIED);
  }

  private Outcome refreshed(Connection current, TokenLifecycleEvent event, TokenRefreshed refreshed, long now) {
    if (current.state() == ConnectionState.REVOKED || refreshed.getGeneration() != current.generation()) {
      return Outcome.unchanged(current, Effect.STALE);
    }
    Step s = new Step(current, now);
    Connection.Builder b = s.b;
    s.remember(event.getEventId());
    b.generation++;
    startGeneration(b, now);
    b.credentials = refreshed.getCredentials();
    b.expiresAt = millis(refreshed.getExpiresAt());
    Long refreshTokenExpiresAt = millis(refreshed.getRefreshTokenExpiresAt());
    if (refreshTokenExpiresAt != null && !refreshTokenExpiresAt.equals(b.refreshTokenExpiresAt)) {
      b.refreshTokenExpiresAt = refreshTokenExpiresAt;
      b.refreshTokenFired = 0;
    }
    b.lastRefreshedAt = event.getOccurredAt().toEpochMilli();
    return s.settle(Effect.APPLIED);
  }

  /** A new generation starts healthy: connected, no failure, no command out, no access-token timer fired. */
  private static void startGeneration(Connection.Builder b, long now) {
    b.generationStartedAt = now;
    b.state = ConnectionState.CONNECTED;
    b.failure = null;
    b.attempt = 0;
    b.outstandingCommandId = null;
    b.retryAt = null;
    b.fired = 0;
  }

  private Outcome failed(Connection current, TokenLifecycleEvent event, RefreshFailed failed, long now) {
    if (current.state() == ConnectionState.REVOKED || failed.getGeneration() != current.generation()
        || !failed.getCommandId().equals(current.outstandingCommandId())) {
      return Outcome.unchanged(current, Effect.STALE);
    }
    Step s = new Step(current, now);
    Connection.Builder b = s.b;
    s.remember(event.getEventId());
    b.outstandingCommandId = null;
    b.failure = failed.getErrorCode();
    if (failed.getKind() == FailureKind.PERMANENT) {
      b.state = ConnectionState.NEEDS_RECONNECT;
      b.retryAt = null;
    } else {
      // An expired token stays EXPIRED: the human must know even while retries go on.
      if (b.state != ConnectionState.EXPIRED) {
        b.state = ConnectionState.DEGRADED;
      }
      b.retryAt = retryAt(b, millis(failed.getRetryAfter()), now);
    }
    return s.settle(Effect.APPLIED);
  }

  private Outcome requested(Connection current, TokenLifecycleEvent event, long now) {
    Step s = new Step(current, now);
    s.remember(event.getEventId());
    if (!renewable(s.b) || s.b.state == ConnectionState.REVOKED) {
      return s.settle(Effect.NOT_RENEWABLE);
    }
    if (s.b.outstandingCommandId != null) {
      return s.settle(Effect.IGNORED);
    }
    s.b.retryAt = null;
    s.command(RefreshReason.USER_REQUESTED);
    return s.settle(Effect.APPLIED);
  }

  /** The later of {@code retryAfter} and an exponential backoff with jitter, but never past the expiry. */
  private long retryAt(Connection.Builder b, Long retryAfter, long now) {
    int exponent = Math.min(Math.max(b.attempt - 1, 0), 30);
    long delay = Math.min(retryBackoffMax.toMillis(), retryBackoff.toMillis() << exponent);
    delay -= (long) (EventIds.fraction(b.connectionId, b.generation, "retry-" + b.attempt) * delay / 2);
    long at = now + delay;
    if (retryAfter != null) {
      at = Math.max(at, retryAfter);
    }
    if (b.expiresAt != null && b.expiresAt > now) {
      at = Math.min(at, b.expiresAt);
    }
    return at;
  }

  /** Whether a machine can renew this connection's token now. */
  public boolean renewable(Connection c) {
    return renewable(c.toBuilder());
  }

  private boolean renewable(Connection.Builder b) {
    boolean refreshTokenDead = (b.refreshTokenFired & TimerKind.REFRESH_TOKEN_EXPIRE.bit()) != 0;
    boolean hasRefreshToken = b.credentials.getHasRefreshToken() || b.refreshTokenExpiresAt != null;
    return !refreshTokenDead && policy(b.provider).refreshable().test(hasRefreshToken);
  }

  /** The orange "!": true exactly when a human must act. */
  public boolean attention(Connection c) {
    return switch (c.state()) {
      case NEEDS_RECONNECT, EXPIRED, REVOKED -> true;
      case EXPIRING -> !renewable(c) || c.refreshTokenFired() != 0;
      default -> c.refreshTokenFired() != 0;
    };
  }

  /**
   * The reason shown on the status. When attention is on, it says why: the error code or revocation reason,
   * the expiry, or the refresh token's deadline. Otherwise it is the transient error code or the coming expiry.
   */
  public String reason(Connection c) {
    return switch (c.state()) {
      case NEEDS_RECONNECT, REVOKED -> c.failure();
      case EXPIRED -> REASON_EXPIRED;
      default -> {
        if ((c.refreshTokenFired() & TimerKind.REFRESH_TOKEN_EXPIRE.bit()) != 0) {
          yield REASON_REFRESH_TOKEN_EXPIRED;
        }
        if (c.refreshTokenFired() != 0) {
          yield REASON_REFRESH_TOKEN_EXPIRING;
        }
        yield switch (c.state()) {
          case DEGRADED -> c.failure();
          case EXPIRING -> REASON_EXPIRING;
          default -> null;
        };
      }
    };
  }

  /** The status record of a connection, as computed at {@code now}. */
  public ConnectionStatus status(Connection c, long now) {
    return ConnectionStatus.newBuilder()
        .setConnectionId(c.connectionId())
        .setTenantId(c.tenantId())
        .setProvider(c.provider())
        .setAccountId(c.accountId())
        .setState(c.state())
        .setAttention(attention(c))
        .setReason(reason(c))
        .setExpiresAt(instant(c.expiresAt()))
        .setRefreshTokenExpiresAt(instant(c.refreshTokenExpiresAt()))
        .setLastRefreshedAt(instant(c.lastRefreshedAt()))
        .setUpdatedAt(Instant.ofEpochMilli(now))
        .setGeneration(c.generation())
        .build();
  }

  /** Whether two states look different on {@code connections.status} (the update time aside). */
  public boolean visiblyDifferent(Connection a, Connection b) {
    if (a == null || b == null) {
      return a != b;
    }
    return a.state() != b.state() || attention(a) != attention(b) || !Objects.equals(reason(a), reason(b))
        || !Objects.equals(a.expiresAt(), b.expiresAt())
        || !Objects.equals(a.refreshTokenExpiresAt(), b.refreshTokenExpiresAt())
        || !Objects.equals(a.lastRefreshedAt(), b.lastRefreshedAt()) || a.generation() != b.generation()
        || !Objects.equals(a.tenantId(), b.tenantId()) || !a.provider().equals(b.provider())
        || !a.accountId().equals(b.accountId());
  }

  /** The deadlines a connection in this state has, earliest first. */
  public List<Timer> desiredTimers(Connection c) {
    return desiredTimers(c.toBuilder());
  }

  private List<Timer> desiredTimers(Connection.Builder b) {
    List<Timer> timers = new ArrayList<>();
    if (b.state == ConnectionState.REVOKED) {
      return timers;
    }
    ExpiryPolicy policy = policy(b.provider);
    if (b.expiresAt != null) {
      if (!fired(b, TimerKind.EXPIRE)) {
        timers.add(timer(TimerKind.EXPIRE, b.expiresAt));
        if (!fired(b, TimerKind.WARN)) {
          timers.add(timer(TimerKind.WARN, b.expiresAt - policy.warnBefore().toMillis()));
        }
      }
    }
    if (b.refreshTokenExpiresAt != null && (b.refreshTokenFired & TimerKind.REFRESH_TOKEN_EXPIRE.bit()) == 0) {
      timers.add(timer(TimerKind.REFRESH_TOKEN_EXPIRE, b.refreshTokenExpiresAt));
      if ((b.refreshTokenFired & TimerKind.REFRESH_TOKEN_WARN.bit()) == 0) {
        policy.refreshTokenWarnBefore().ifPresent(lead ->
            timers.add(timer(TimerKind.REFRESH_TOKEN_WARN, b.refreshTokenExpiresAt - lead.toMillis())));
      }
    }
    if (canCommand(b)) {
      if (b.retryAt != null) {
        timers.add(timer(TimerKind.RETRY, b.retryAt));
      } else {
        long jitter = (long) (EventIds.fraction(b.connectionId, b.generation, "jitter") * policy.jitter().toMillis());
        Optional<Duration> refreshBefore = policy.refreshBefore();
        if (b.expiresAt != null && refreshBefore.isPresent() && !fired(b, TimerKind.REFRESH)
            && !fired(b, TimerKind.EXPIRE)) {
          timers.add(timer(TimerKind.REFRESH, b.expiresAt - refreshBefore.get().toMillis() - jitter));
        }
        if (policy.keepAliveEvery().isPresent() && !fired(b, TimerKind.KEEP_ALIVE)) {
          timers.add(timer(TimerKind.KEEP_ALIVE,
              b.generationStartedAt + policy.keepAliveEvery().get().toMillis() - jitter));
        }
      }
    }
    timers.sort(Timer.BY_DUE);
    return timers;
  }

  private boolean canCommand(Connection.Builder b) {
    return b.outstandingCommandId == null && b.state != ConnectionState.NEEDS_RECONNECT
        && b.state != ConnectionState.REVOKED && renewable(b);
  }

  private static boolean fired(Connection.Builder b, TimerKind kind) {
    return (b.fired & kind.bit()) != 0;
  }

  private static Timer timer(TimerKind kind, long due) {
    return new Timer(kind, Math.max(0, due));
  }

  private ExpiryPolicy policy(String provider) {
    return policies.forProvider(provider);
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }

  private static Instant instant(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis);
  }

  /** One transition in progress: the next state and what it emits. */
  private final class Step {
    final Connection.Builder b;
    final long now;
    final List<TokenExpiryEvent> events = new ArrayList<>();
    final List<RefreshCommand> commands = new ArrayList<>();

    Step(Connection current, long now) {
      this(current.toBuilder(), now);
    }

    Step(Connection.Builder b, long now) {
      this.b = b;
      this.now = now;
    }

    void remember(String eventId) {
      b.recentEventIds.add(eventId);
      while (b.recentEventIds.size() > dedupWindow) {
        b.recentEventIds.remove(0);
      }
    }

    /** Fires every timer that is due by now, earliest first, then records the timers still pending. */
    Outcome settle(Effect effect) {
      for (int guard = 0; guard < 4 * TimerKind.values().length; guard++) {
        List<Timer> desired = desiredTimers(b);
        Timer due = desired.isEmpty() || desired.get(0).due() > now ? null : desired.get(0);
        if (due == null) {
          b.timers = desired;
          return new Outcome(b.build(), effect, events, commands);
        }
        boolean expiryAlsoDue = desired.stream().anyMatch(t -> t.due() <= now && (
            due.kind() == TimerKind.WARN && t.kind() == TimerKind.EXPIRE
            || due.kind() == TimerKind.REFRESH_TOKEN_WARN && t.kind() == TimerKind.REFRESH_TOKEN_EXPIRE));
        if (expiryAlsoDue) {
          // A token that arrives already expired gets EXPIRED, not EXPIRING and then EXPIRED.
          markFired(due.kind());
        } else {
          fire(due.kind());
        }
      }
      throw new IllegalStateException("timers of connection " + b.connectionId + " do not settle");
    }

    void markFired(TimerKind kind) {
      if (kind == TimerKind.RETRY) {
        b.retryAt = null;
      } else if ((ACCESS_BITS & kind.bit()) != 0) {
        b.fired |= kind.bit();
      } else {
        b.refreshTokenFired |= kind.bit();
      }
    }

    void fire(TimerKind kind) {
      markFired(kind);
      switch (kind) {
        case REFRESH -> commandIfPossible(RefreshReason.PROACTIVE);
        case KEEP_ALIVE -> commandIfPossible(RefreshReason.KEEPALIVE);
        case RETRY -> commandIfPossible(RefreshReason.RETRY);
        case WARN -> {
          event(ExpiryKind.EXPIRING, b.expiresAt);
          if (b.state != ConnectionState.NEEDS_RECONNECT && b.state != ConnectionState.EXPIRED) {
            b.state = ConnectionState.EXPIRING;
          }
        }
        case EXPIRE -> {
          b.fired |= TimerKind.WARN.bit();
          event(ExpiryKind.EXPIRED, b.expiresAt);
          b.state = ConnectionState.EXPIRED;
        }
        case REFRESH_TOKEN_WARN -> event(ExpiryKind.REFRESH_TOKEN_EXPIRING, b.refreshTokenExpiresAt);
        case REFRESH_TOKEN_EXPIRE -> {
          b.refreshTokenFired |= TimerKind.REFRESH_TOKEN_WARN.bit();
          event(ExpiryKind.REFRESH_TOKEN_EXPIRED, b.refreshTokenExpiresAt);
        }
      }
    }

    void commandIfPossible(RefreshReason reason) {
      if (canCommand(b)) {
        command(reason);
      }
    }

    void command(RefreshReason reason) {
      b.attempt++;
      String id = EventIds.command(b.connectionId, b.generation, b.attempt);
      b.outstandingCommandId = id;
      b.state = ConnectionState.REFRESHING;
      commands.add(RefreshCommand.newBuilder()
          .setCommandId(id)
          .setConnectionId(b.connectionId)
          .setTenantId(b.tenantId)
          .setProvider(b.provider)
          .setAccountId(b.accountId)
          .setGeneration(b.generation)
          .setReason(reason)
          .setAttempt(b.attempt)
          .setCredentials(b.credentials)
          .setRequestedAt(Instant.ofEpochMilli(now))
          .setExpiresAt(instant(b.expiresAt))
          .build());
    }

    void event(ExpiryKind kind, Long expiresAt) {
      events.add(TokenExpiryEvent.newBuilder()
          .setEventId(EventIds.expiryEvent(b.connectionId, b.generation, kind.name()))
          .setConnectionId(b.connectionId)
          .setTenantId(b.tenantId)
          .setProvider(b.provider)
          .setAccountId(b.accountId)
          .setKind(kind)
          .setExpiresAt(Instant.ofEpochMilli(expiresAt))
          .setEmittedAt(Instant.ofEpochMilli(now))
          .setGeneration(b.generation)
          .build());
    }
  }
}
