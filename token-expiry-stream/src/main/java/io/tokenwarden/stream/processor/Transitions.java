package io.tokenwarden.stream.processor;

import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.policy.ExpiryPolicy;
import io.tokenwarden.stream.processor.Decision.Effect;
import io.tokenwarden.stream.processor.Decision.Signal;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.EventIds;
import io.tokenwarden.stream.state.Timer;
import io.tokenwarden.stream.state.TimerKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The transition table of a connection, as one pure function: {@link #decide} takes the stored facts, an input
 * and the wall-clock time, and returns the whole {@link Decision}: the next facts, the expiry events, the refresh
 * commands, the status record (or none), the timer changes and what to count. What a user sees is computed by
 * {@link ConnectionView} from the facts; timers are not kept as instructions but derived from the facts too
 * ({@link #desiredTimers}), and the decision says how the deadline index must change to match.
 */
public final class Transitions {

  /**
   * A reported refresh-token expiry within this of the known one is the same expiry, counted down by the
   * provider ({@code now + refresh_expires_in}); only a larger move is a new expiry.
   */
  static final long REFRESH_TOKEN_EXPIRY_TOLERANCE_MS = 60_000;

  /**
   * The lifetime assumed for a renewed token whose provider gave no expiry, when the token it replaced gives none
   * to go by either (it arrived already expired): the typical hour of an OAuth2 access token.
   */
  static final long ASSUMED_LIFETIME_MS = 3_600_000;

  /** Doublings of the command deadline per attempt, at most; the cap below ends it long before. */
  private static final int MAX_DEADLINE_DOUBLINGS = 16;

  private final ExpiryPolicies policies;
  private final ConnectionView view;
  private final long retryBackoff;
  private final long retryBackoffMax;
  private final long commandTimeout;
  private final int dedupWindow;

  public Transitions(ExpiryConfig config) {
    this.policies = config.policies();
    this.view = new ConnectionView(config.policies());
    this.retryBackoff = config.retryBackoff().toMillis();
    this.retryBackoffMax = config.retryBackoffMax().toMillis();
    this.commandTimeout = config.commandTimeout().toMillis();
    this.dedupWindow = config.dedupWindow();
  }

  /** The view this table computes statuses with. */
  public ConnectionView view() {
    return view;
  }

  /**
   * Everything that follows from {@code input} arriving for a connection whose stored facts are {@code current}
   * ({@code null} if it has none) at wall-clock time {@code now}. Pure: nothing is applied.
   */
  public Decision decide(Connection current, Input input, long now) {
    List<Signal> signals = current == null || policies.resolve(current.provider()).known()
        ? List.of() : List.of(Signal.UNKNOWN_PROVIDER);
    if (current != null && input.eventId() != null && current.recentEventIds().contains(input.eventId())) {
      return Decision.unchanged(current, Effect.DUPLICATE, null, signals);
    }
    if (input instanceof Input.Issued issued) {
      return issued(current, issued, now);
    }
    if (current == null) {
      // Results and requests for a connection we do not know (removed, or never issued) change nothing.
      boolean result = input instanceof Input.Refreshed || input instanceof Input.Failed;
      return Decision.unchanged(null, result ? Effect.STALE : Effect.IGNORED, null, signals);
    }
    if (input instanceof Input.Refreshed refreshed) {
      return refreshed(current, refreshed, now, signals);
    }
    if (input instanceof Input.Failed failed) {
      return failed(current, failed, now, signals);
    }
    if (input instanceof Input.Requested requested) {
      return requested(current, requested, now, signals);
    }
    if (input instanceof Input.Revoked revoked) {
      Step s = new Step(current, now, signals);
      s.remember(revoked.eventId());
      s.b.revocation = revoked.reason() == null || revoked.reason().isBlank()
          ? ConnectionView.REASON_REVOKED : revoked.reason();
      s.b.outstandingCommandId = null;
      s.b.commandIssuedAt = null;
      s.b.retryAt = null;
      return s.finish(Effect.APPLIED);
    }
    if (input instanceof Input.Removed) {
      return new Decision(Effect.REMOVED, null, Decision.Store.DELETE, List.of(), List.of(), null, true,
          current.timers(), List.of(), view.shown(current), null, signals);
    }
    Input.TimerFired timer = (Input.TimerFired) input;
    Step s = new Step(current, now, signals);
    s.fire(timer.kind());
    return s.finish(Effect.APPLIED);
  }

  /**
   * {@code c} with its timer of {@code kind} marked fired and nothing else changed: the fired mark set (an expiry
   * also marks its warning, as firing does) and the timers of marked kinds dropped. Defined only for the four
   * timers that emit an expiry event (null for the others, whose firing changes more than a mark). The processor
   * leaves a fired timer out of the stored record only when this equals the state its firing decided, and applies
   * it again when it next reads the record; so it must stay in step with {@code Step.markFired}.
   */
  public static Connection markedFired(Connection c, TimerKind kind) {
    int fired = c.fired();
    int refreshTokenFired = c.refreshTokenFired();
    switch (kind) {
      case WARN -> fired |= TimerKind.WARN.bit();
      case EXPIRE -> fired |= TimerKind.EXPIRE.bit() | TimerKind.WARN.bit();
      case REFRESH_TOKEN_WARN -> refreshTokenFired |= TimerKind.REFRESH_TOKEN_WARN.bit();
      case REFRESH_TOKEN_EXPIRE ->
          refreshTokenFired |= TimerKind.REFRESH_TOKEN_EXPIRE.bit() | TimerKind.REFRESH_TOKEN_WARN.bit();
      default -> {
        return null;
      }
    }
    List<Timer> timers = new ArrayList<>(c.timers().size());
    for (Timer t : c.timers()) {
      boolean marked = switch (t.kind()) {
        case WARN, EXPIRE -> (fired & t.kind().bit()) != 0;
        case REFRESH_TOKEN_WARN, REFRESH_TOKEN_EXPIRE -> (refreshTokenFired & t.kind().bit()) != 0;
        default -> false;
      };
      if (!marked) {
        timers.add(t);
      }
    }
    Connection.Builder b = c.toBuilder();
    b.fired = fired;
    b.refreshTokenFired = refreshTokenFired;
    b.timers = timers;
    return b.build();
  }

  private Decision issued(Connection current, Input.Issued issued, long now) {
    Connection.Builder b = current == null ? new Connection.Builder() : current.toBuilder();
    b.connectionId = issued.connectionId();
    b.tenantId = issued.tenantId();
    b.provider = issued.provider();
    b.accountId = issued.accountId();
    // A new connection starts from its issue time rather than 1, so that a connection removed and added
    // again under the same id never reuses a generation, and with it the ids of its expiry events.
    b.generation = current == null ? Math.max(1, issued.occurredAt()) : current.generation() + 1;
    startGeneration(b, now);
    b.credentials = issued.credentials();
    b.expiresAt = issued.expiresAt();
    b.refreshTokenExpiresAt = issued.refreshTokenExpiresAt();
    b.refreshTokenFired = 0;
    // A reconnect is a new grant: a revocation no longer holds.
    b.revocation = null;
    Step s = new Step(current, b, now, List.of());
    s.remember(issued.eventId());
    return s.finish(Effect.APPLIED);
  }

  private Decision refreshed(Connection current, Input.Refreshed refreshed, long now, List<Signal> signals) {
    // Any command of the current generation may deliver it: a late answer to an abandoned command still carries
    // a good token, and with single-use refresh tokens dropping it would lose the grant.
    if (current.revoked() || refreshed.generation() != current.generation()) {
      return Decision.unchanged(current, Effect.STALE, null, signals);
    }
    Step s = new Step(current, now, signals);
    Connection.Builder b = s.b;
    s.remember(refreshed.eventId());
    b.generation++;
    startGeneration(b, now);
    b.credentials = refreshed.credentials();
    b.expiresAt = refreshed.expiresAt() != null ? refreshed.expiresAt() : assumedExpiry(current, now);
    Long reported = refreshed.refreshTokenExpiresAt();
    Long known = b.refreshTokenExpiresAt;
    if (reported != null) {
      if (known == null || reported > known + REFRESH_TOKEN_EXPIRY_TOLERANCE_MS) {
        // A new refresh token, or a real extension: its warnings start over.
        b.refreshTokenExpiresAt = reported;
        b.refreshTokenFired = 0;
      } else if (reported < known - REFRESH_TOKEN_EXPIRY_TOLERANCE_MS) {
        // Shortened: warnings already raised stay raised, and the earlier deadlines apply.
        b.refreshTokenExpiresAt = reported;
      }
      // Otherwise the same expiry, counted down by the provider: keep it, and its warnings.
    }
    b.lastRefreshedAt = refreshed.occurredAt();
    return s.finish(Effect.APPLIED);
  }

  /**
   * The expiry of a renewed token whose provider gave none: the provider did not say, so it is assumed to live as
   * long as the token it replaced; a token that never expired stays so.
   */
  private static Long assumedExpiry(Connection current, long now) {
    if (current.expiresAt() == null) {
      return null;
    }
    long previous = current.expiresAt() - current.generationStartedAt();
    return now + (previous > 0 ? previous : ASSUMED_LIFETIME_MS);
  }

  /** A new generation starts healthy: no failure, no command out, no access-token timer fired. */
  private static void startGeneration(Connection.Builder b, long now) {
    b.generationStartedAt = now;
    b.permanentFailure = null;
    b.transientFailure = null;
    b.attempt = 0;
    b.outstandingCommandId = null;
    b.commandIssuedAt = null;
    b.retryAt = null;
    b.fired = 0;
  }

  private Decision failed(Connection current, Input.Failed failed, long now, List<Signal> signals) {
    if (current.revoked() || failed.generation() != current.generation()
        || !failed.commandId().equals(current.outstandingCommandId())) {
      return Decision.unchanged(current, Effect.STALE, null, signals);
    }
    Step s = new Step(current, now, signals);
    Connection.Builder b = s.b;
    s.remember(failed.eventId());
    b.outstandingCommandId = null;
    b.commandIssuedAt = null;
    if (failed.kind() == FailureKind.PERMANENT) {
      b.permanentFailure = failed.errorCode();
      b.retryAt = null;
    } else {
      b.transientFailure = failed.errorCode();
      b.retryAt = s.retryAt(failed.retryAfter());
    }
    return s.finish(Effect.APPLIED);
  }

  private Decision requested(Connection current, Input.Requested requested, long now, List<Signal> signals) {
    Step s = new Step(current, now, signals);
    s.remember(requested.eventId());
    if (s.b.revocation != null || !s.renewable()) {
      return s.finish(Effect.NOT_RENEWABLE);
    }
    if (s.b.outstandingCommandId != null) {
      if (now < s.deadline()) {
        return s.finish(Effect.IGNORED);
      }
      // The command is overdue: the user need not wait for its timer.
      s.abandon();
    }
    s.command(RefreshReason.USER_REQUESTED);
    return s.finish(Effect.APPLIED);
  }

  /** One decision in progress: the next facts and what they emit. */
  private final class Step {
    final Connection current;
    final Connection.Builder b;
    final long now;
    final ExpiryPolicy policy;
    final List<TokenExpiryEvent> events = new ArrayList<>(2);
    final List<RefreshCommand> commands = new ArrayList<>(1);
    List<Signal> signals;

    Step(Connection current, long now, List<Signal> signals) {
      this(current, current.toBuilder(), now, signals);
    }

    Step(Connection current, Connection.Builder b, long now, List<Signal> signals) {
      this.current = current;
      this.b = b;
      this.now = now;
      this.policy = policies.forProvider(b.provider);
      this.signals = signals;
      if (b.connectionId == null) {
        throw new IllegalStateException("a connection needs an id");
      }
    }

    void remember(String eventId) {
      if (eventId == null) {
        return;
      }
      List<String> ids = b.recentEventIds;
      int from = Math.max(0, ids.size() + 1 - dedupWindow);
      List<String> kept = new ArrayList<>(ids.size() + 1 - from);
      kept.addAll(ids.subList(Math.min(from, ids.size()), ids.size()));
      kept.add(eventId);
      b.recentEventIds = kept;
    }

    boolean renewable() {
      return ConnectionView.renewable(policy, b.credentials.getHasRefreshToken(), b.refreshTokenExpiresAt,
          b.refreshTokenFired);
    }

    /** Whether automatic refreshes (proactive, keep-alive, retry) may be commanded. */
    boolean mayRefresh() {
      return b.revocation == null && b.permanentFailure == null && renewable();
    }

    /**
     * When the outstanding command is abandoned: {@code COMMAND_TIMEOUT} after it was issued, twice that for the
     * second attempt of the generation and so on, but never more than the longer of the timeout and the
     * longest retry backoff.
     */
    long deadline() {
      int doublings = Math.min(Math.max(b.attempt - 1, 0), MAX_DEADLINE_DOUBLINGS);
      long cap = Math.max(commandTimeout, retryBackoffMax);
      long timeout = commandTimeout > (cap >> doublings) ? cap : Math.min(cap, commandTimeout << doublings);
      return b.commandIssuedAt + timeout;
    }

    /** The later of {@code retryAfter} and an exponential backoff with jitter, but never past the expiry. */
    long retryAt(Long retryAfter) {
      int exponent = Math.min(Math.max(b.attempt - 1, 0), 30);
      long delay = retryBackoff > (retryBackoffMax >> exponent) ? retryBackoffMax
          : Math.min(retryBackoffMax, retryBackoff << exponent);
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

    /** Fires every timer that is due by now, earliest first, then returns the whole decision. */
    Decision finish(Effect effect) {
      List<Timer> desired = null;
      for (int guard = 0; guard < 4 * TimerKind.values().length; guard++) {
        normalise();
        desired = desiredTimers();
        Timer due = desired.isEmpty() || desired.get(0).due() > now ? null : desired.get(0);
        if (due == null) {
          return decision(effect, desired);
        }
        boolean expiryAlsoDue = false;
        for (Timer t : desired) {
          if (t.due() <= now && (due.kind() == TimerKind.WARN && t.kind() == TimerKind.EXPIRE
              || due.kind() == TimerKind.REFRESH_TOKEN_WARN && t.kind() == TimerKind.REFRESH_TOKEN_EXPIRE)) {
            expiryAlsoDue = true;
          }
        }
        if (expiryAlsoDue) {
          // A token that arrives already expired gets EXPIRED, not EXPIRING and then EXPIRED.
          markFired(due.kind());
        } else {
          fire(due.kind());
        }
      }
      throw new IllegalStateException("timers of connection " + b.connectionId + " do not settle");
    }

    /** Facts that follow from other facts, restated after every change so no path can leave them stale. */
    void normalise() {
      if (b.retryAt != null && !mayRefresh()) {
        b.retryAt = null;
      }
      boolean refreshing = b.outstandingCommandId != null || b.retryAt != null;
      if (!refreshing) {
        b.refreshingSince = null;
      } else if (b.refreshingSince == null) {
        b.refreshingSince = now;
      }
    }

    private Decision decision(Effect effect, List<Timer> desired) {
      b.timers = desired;
      Connection next = b.build();
      ConnectionView.Shown before = current == null ? null : view.shown(current);
      ConnectionView.Shown after = view.shown(next);
      ConnectionStatus status = current == null || ConnectionView.visiblyDifferent(current, before, next, after)
          ? view.status(next, after, now) : null;
      List<Timer> had = current == null ? List.of() : current.timers();
      boolean sameGeneration = current != null && current.generation() == next.generation();
      List<Timer> removed = new ArrayList<>(had.size());
      for (Timer t : had) {
        if (!sameGeneration || !next.timers().contains(t)) {
          removed.add(t);
        }
      }
      List<Timer> added = new ArrayList<>(next.timers().size());
      for (Timer t : next.timers()) {
        if (!sameGeneration || !had.contains(t)) {
          added.add(t);
        }
      }
      return new Decision(effect, next, Decision.Store.PUT, events, commands, status, false, removed, added, before,
          after, signals);
    }

    List<Timer> desiredTimers() {
      List<Timer> timers = new ArrayList<>(6);
      if (b.revocation != null) {
        return timers;
      }
      boolean renewable = renewable();
      long start = b.generationStartedAt;
      if (b.expiresAt != null && !fired(TimerKind.EXPIRE)) {
        timers.add(timer(TimerKind.EXPIRE, b.expiresAt));
        if (!fired(TimerKind.WARN)) {
          timers.add(timer(TimerKind.WARN, RefreshTiming.warnDue(policy, start, b.expiresAt, renewable)));
        }
      }
      if (b.refreshTokenExpiresAt != null && (b.refreshTokenFired & TimerKind.REFRESH_TOKEN_EXPIRE.bit()) == 0) {
        timers.add(timer(TimerKind.REFRESH_TOKEN_EXPIRE, b.refreshTokenExpiresAt));
        if ((b.refreshTokenFired & TimerKind.REFRESH_TOKEN_WARN.bit()) == 0
            && policy.refreshTokenWarnBefore().isPresent()) {
          timers.add(timer(TimerKind.REFRESH_TOKEN_WARN,
              b.refreshTokenExpiresAt - policy.refreshTokenWarnBefore().get().toMillis()));
        }
      }
      if (b.outstandingCommandId != null) {
        timers.add(timer(TimerKind.COMMAND_TIMEOUT, deadline()));
      } else if (mayRefresh()) {
        long interval = RefreshTiming.minInterval(policy, b.expiresAt == null ? null : b.expiresAt - start);
        if (b.retryAt != null) {
          timers.add(timer(TimerKind.RETRY, RefreshTiming.notSooner(b.retryAt, b.lastAttemptAt, interval)));
        } else {
          long jitter = policy.jitter().isZero() ? 0
              : (long) (EventIds.fraction(b.connectionId, b.generation, "jitter") * policy.jitter().toMillis());
          if (b.expiresAt != null && policy.refreshBefore().isPresent() && !fired(TimerKind.REFRESH)) {
            timers.add(timer(TimerKind.REFRESH, RefreshTiming.notSooner(
                RefreshTiming.refreshDue(policy, start, b.expiresAt, jitter), b.lastAttemptAt, interval)));
          }
          if (policy.keepAliveEvery().isPresent() && !fired(TimerKind.KEEP_ALIVE)) {
            timers.add(timer(TimerKind.KEEP_ALIVE, RefreshTiming.notSooner(
                start + policy.keepAliveEvery().get().toMillis() - jitter, b.lastAttemptAt, interval)));
          }
        }
      }
      timers.sort(Timer.BY_DUE);
      return timers;
    }

    boolean fired(TimerKind kind) {
      return (b.fired & kind.bit()) != 0;
    }

    void markFired(TimerKind kind) {
      switch (kind) {
        case REFRESH, KEEP_ALIVE, WARN -> b.fired |= kind.bit();
        case EXPIRE -> b.fired |= TimerKind.EXPIRE.bit() | TimerKind.WARN.bit();
        case REFRESH_TOKEN_WARN -> b.refreshTokenFired |= kind.bit();
        case REFRESH_TOKEN_EXPIRE ->
            b.refreshTokenFired |= TimerKind.REFRESH_TOKEN_EXPIRE.bit() | TimerKind.REFRESH_TOKEN_WARN.bit();
        case RETRY -> b.retryAt = null;
        case COMMAND_TIMEOUT -> { }
      }
    }

    void fire(TimerKind kind) {
      markFired(kind);
      switch (kind) {
        case REFRESH -> commandIfPossible(RefreshReason.PROACTIVE);
        case KEEP_ALIVE -> commandIfPossible(RefreshReason.KEEPALIVE);
        case RETRY -> commandIfPossible(RefreshReason.RETRY);
        case COMMAND_TIMEOUT -> {
          // Also a legacy timer of a state written before deadlines existed: abandon only what is overdue.
          if (b.outstandingCommandId != null && now >= deadline()) {
            abandon();
          }
        }
        case WARN -> event(ExpiryKind.EXPIRING, b.expiresAt);
        case EXPIRE -> event(ExpiryKind.EXPIRED, b.expiresAt);
        case REFRESH_TOKEN_WARN -> event(ExpiryKind.REFRESH_TOKEN_EXPIRING, b.refreshTokenExpiresAt);
        case REFRESH_TOKEN_EXPIRE -> event(ExpiryKind.REFRESH_TOKEN_EXPIRED, b.refreshTokenExpiresAt);
      }
    }

    /**
     * Gives up on the outstanding command: its failure, if it ever comes, is stale. The next attempt of the same
     * generation is due at once (the minimum interval aside); a retry, not a new renewal.
     */
    void abandon() {
      b.outstandingCommandId = null;
      b.commandIssuedAt = null;
      b.transientFailure = ErrorCodes.COMMAND_TIMEOUT;
      b.retryAt = now;
      List<Signal> more = new ArrayList<>(signals);
      more.add(Signal.COMMAND_TIMED_OUT);
      signals = more;
    }

    void commandIfPossible(RefreshReason reason) {
      if (b.outstandingCommandId == null && mayRefresh()) {
        command(reason);
      }
    }

    void command(RefreshReason reason) {
      b.attempt++;
      String id = EventIds.command(b.connectionId, b.generation, b.attempt);
      b.outstandingCommandId = id;
      b.commandIssuedAt = now;
      b.lastAttemptAt = now;
      b.retryAt = null;
      commands.add(new RefreshCommand(id, b.connectionId, b.tenantId, b.provider, b.accountId, b.generation, reason,
          b.attempt, b.credentials, Instant.ofEpochMilli(now), instant(b.expiresAt)));
    }

    void event(ExpiryKind kind, Long expiresAt) {
      events.add(new TokenExpiryEvent(EventIds.expiryEvent(b.connectionId, b.generation, kind.name()),
          b.connectionId, b.tenantId, b.provider, b.accountId, kind, Instant.ofEpochMilli(expiresAt),
          Instant.ofEpochMilli(now), b.generation));
    }
  }

  private static Timer timer(TimerKind kind, long due) {
    return new Timer(kind, Math.max(0, due));
  }

  private static Instant instant(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis);
  }
}
