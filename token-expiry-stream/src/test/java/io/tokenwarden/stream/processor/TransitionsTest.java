package io.tokenwarden.stream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.processor.Decision.Effect;
import io.tokenwarden.stream.processor.Decision.Signal;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.Timer;
import io.tokenwarden.stream.state.TimerKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link Transitions#decide} called directly: one decision value per input, no driver and no store. */
class TransitionsTest {

  private static final long T0 = 1_900_000_000_000L;
  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;

  private Transitions transitions = new Transitions(ExpiryConfig.of(Map.of()));
  private final ConnectionView view = transitions.view();

  /** The state after the last decision, and the time. */
  private Connection state;
  private long now = T0;

  private Decision apply(Input input) {
    Decision d = transitions.decide(state, input, now);
    if (d.store() == Decision.Store.PUT) {
      state = d.next();
    } else if (d.store() == Decision.Store.DELETE) {
      state = null;
    }
    return d;
  }

  /** Fires every timer of the state due by {@code at}, as the punctuator would, and returns the decisions. */
  private List<Decision> advanceTo(long at) {
    List<Decision> decisions = new java.util.ArrayList<>();
    now = at;
    while (state != null && !state.timers().isEmpty() && state.timers().get(0).due() <= at) {
      decisions.add(apply(Input.TimerFired.of(state.timers().get(0).kind())));
    }
    return decisions;
  }

  private static Input.Issued issued(String provider, Long expiresAt, Long refreshTokenExpiresAt) {
    return new Input.Issued(id(), T0, "c1", "tenant", provider, "acct",
        new SealedCredentials("1", ByteBuffer.wrap(new byte[] {1}), refreshTokenExpiresAt != null), expiresAt,
        refreshTokenExpiresAt);
  }

  private static Input.Refreshed refreshed(RefreshCommand command, Long expiresAt, Long refreshTokenExpiresAt,
      long at) {
    return new Input.Refreshed(id(), at, command.getGeneration(),
        new SealedCredentials("1", ByteBuffer.wrap(new byte[] {2}), true), expiresAt, refreshTokenExpiresAt);
  }

  private static Input.Failed failed(RefreshCommand command, FailureKind kind, String code) {
    return new Input.Failed(id(), command.getGeneration(), command.getCommandId(), kind, code, null);
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  private static RefreshCommand onlyCommand(List<Decision> decisions) {
    List<RefreshCommand> commands = decisions.stream().flatMap(d -> d.commands().stream()).toList();
    assertThat(commands).hasSize(1);
    return commands.get(0);
  }

  @Test
  void aTokenIssuedIsOneCompleteDecision() {
    Decision d = apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    assertThat(d.effect()).isEqualTo(Effect.APPLIED);
    assertThat(d.store()).isEqualTo(Decision.Store.PUT);
    assertThat(d.events()).isEmpty();
    assertThat(d.commands()).isEmpty();
    assertThat(d.status().getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(d.status().getAttention()).isFalse();
    assertThat(d.status().getRefreshing()).isFalse();
    assertThat(d.timersRemoved()).isEmpty();
    assertThat(d.timersAdded()).extracting(Timer::kind)
        .containsExactly(TimerKind.REFRESH, TimerKind.WARN, TimerKind.EXPIRE);
    assertThat(d.before()).isNull();
    assertThat(d.after()).isEqualTo(new ConnectionView.Shown(ConnectionState.CONNECTED, false, "x"));
    assertThat(d.signals()).isEmpty();
  }

  @Test
  void aHealthyRefreshShowsRefreshingThenConnectedAgain() {
    apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    List<Decision> fired = advanceTo(T0 + 110 * MINUTE);
    RefreshCommand command = onlyCommand(fired);
    assertThat(command.getReason()).isEqualTo(RefreshReason.PROACTIVE);
    ConnectionStatus refreshing = fired.get(0).status();
    assertThat(refreshing.getState()).isEqualTo(ConnectionState.REFRESHING);
    assertThat(refreshing.getRefreshing()).isTrue();
    assertThat(refreshing.getRefreshingSince().toEpochMilli()).isEqualTo(fired.get(0).commands().get(0)
        .getRequestedAt().toEpochMilli());
    assertThat(fired.get(0).timersAdded()).extracting(Timer::kind).containsExactly(TimerKind.COMMAND_TIMEOUT);

    now += SECOND;
    Decision d = apply(refreshed(command, now + 2 * 60 * MINUTE, null, now));
    assertThat(d.status().getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(d.status().getRefreshing()).isFalse();
    assertThat(d.status().getRefreshingSince()).isNull();
    assertThat(d.status().getGeneration()).isEqualTo(command.getGeneration() + 1);
  }

  @Test
  void anExpiredTokenStaysExpiredWithTheMarkWhileRetriesFailAndTheLoopWritesNoStatus() {
    apply(issued("x", T0 + 20 * MINUTE, null));
    RefreshCommand command = onlyCommand(advanceTo(T0 + 10 * MINUTE));
    Decision degraded = apply(failed(command, FailureKind.TRANSIENT, "http_503"));
    assertThat(degraded.status().getState()).isEqualTo(ConnectionState.DEGRADED);
    assertThat(degraded.status().getRefreshing()).as("a retry is scheduled").isTrue();

    // Retries fail until past the expiry, and on.
    int statuses = 0;
    boolean expired = false;
    for (int i = 0; i < 40; i++) {
      List<Decision> fired = advanceTo(state.timers().get(0).due());
      for (Decision d : fired) {
        statuses += d.status() == null ? 0 : 1;
        expired |= d.events().stream().anyMatch(e -> e.getKind() == ExpiryKind.EXPIRED);
        for (RefreshCommand retry : d.commands()) {
          Decision failed = apply(failed(retry, FailureKind.TRANSIENT, "http_503"));
          assertThat(failed.status()).as("the same failure again changes nothing a user sees").isNull();
        }
      }
      if (expired) {
        assertThat(ConnectionView.state(state)).isEqualTo(ConnectionState.EXPIRED);
        assertThat(view.attention(state)).as("the \"!\" after %d retries", i).isTrue();
      }
    }
    assertThat(expired).isTrue();
    assertThat(statuses).as("EXPIRING and EXPIRED: one record each, none per retry").isEqualTo(2);
    assertThat(state.attempt()).isGreaterThan(5);
  }

  @Test
  void aCommandUnansweredPastItsDeadlineIsAbandonedAndTheNextAttemptIssued() {
    // Refreshed three hours ahead, so that the deadlines below pass long before the warning.
    transitions = new Transitions(ExpiryConfig.of(Map.of("TOKENWARDEN_POLICY_X_REFRESH_BEFORE", "PT3H")));
    apply(issued("x", T0 + 24 * 60 * MINUTE, null));
    RefreshCommand first = onlyCommand(advanceTo(state.timers().get(0).due()));
    long issuedAt = now;
    assertThat(advanceTo(issuedAt + 5 * MINUTE - 1)).isEmpty();

    List<Decision> timedOut = advanceTo(issuedAt + 5 * MINUTE);
    RefreshCommand second = onlyCommand(timedOut);
    assertThat(second.getReason()).isEqualTo(RefreshReason.RETRY);
    assertThat(second.getAttempt()).isEqualTo(2);
    assertThat(second.getGeneration()).isEqualTo(first.getGeneration());
    assertThat(timedOut.get(0).signals()).containsExactly(Signal.COMMAND_TIMED_OUT);
    assertThat(timedOut.get(0).status().getState()).isEqualTo(ConnectionState.DEGRADED);
    assertThat(timedOut.get(0).status().getReason()).isEqualTo(ErrorCodes.COMMAND_TIMEOUT);

    // The second attempt waits twice as long.
    assertThat(advanceTo(now + 10 * MINUTE - 1)).isEmpty();
    assertThat(onlyCommand(advanceTo(now + 1)).getAttempt()).isEqualTo(3);

    // A failure of an abandoned attempt is stale; a renewal by it is not lost.
    assertThat(apply(failed(first, FailureKind.PERMANENT, "invalid_grant")).effect()).isEqualTo(Effect.STALE);
    Decision late = apply(refreshed(first, now + 60 * MINUTE, null, now));
    assertThat(late.effect()).isEqualTo(Effect.APPLIED);
    assertThat(late.status().getState()).isEqualTo(ConnectionState.CONNECTED);
  }

  @Test
  void theCommandDeadlineStopsDoublingAtTheLongestRetryBackoff() {
    transitions = new Transitions(ExpiryConfig.of(Map.of("TOKENWARDEN_COMMAND_TIMEOUT", "PT5M",
        "TOKENWARDEN_RETRY_BACKOFF_MAX", "PT12M")));
    apply(issued("x", T0 + 24 * 60 * MINUTE, null));
    onlyCommand(advanceTo(state.timers().get(0).due()));
    long[] expected = {5, 10, 12, 12, 12};
    for (long minutes : expected) {
      long issuedAt = now;
      assertThat(state.timers()).contains(new Timer(TimerKind.COMMAND_TIMEOUT, issuedAt + minutes * MINUTE));
      onlyCommand(advanceTo(issuedAt + minutes * MINUTE));
    }
  }

  @Test
  void aRefreshClickOnAnOverdueCommandIssuesANewOneAtOnce() {
    apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    onlyCommand(advanceTo(T0 + 110 * MINUTE));
    long issuedAt = now;
    now = issuedAt + 4 * MINUTE;
    assertThat(apply(new Input.Requested(id())).effect()).as("not yet overdue").isEqualTo(Effect.IGNORED);
    // The deadline has passed but no punctuation has fired its timer yet.
    now = issuedAt + 5 * MINUTE;
    Decision click = apply(new Input.Requested(id()));
    assertThat(click.commands()).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.USER_REQUESTED);
    assertThat(click.signals()).contains(Signal.COMMAND_TIMED_OUT);
  }

  @Test
  void aRefreshClickOnNeedsReconnectRetriesButKeepsTheMark() {
    apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    RefreshCommand first = onlyCommand(List.of(apply(new Input.Requested(id()))));
    apply(failed(first, FailureKind.PERMANENT, "invalid_grant"));
    Decision click = apply(new Input.Requested(id()));
    assertThat(click.commands()).hasSize(1);
    assertThat(click.status().getState()).isEqualTo(ConnectionState.NEEDS_RECONNECT);
    assertThat(click.status().getAttention()).isTrue();
    assertThat(click.status().getRefreshing()).isTrue();
  }

  @Test
  void aProviderNoLongerConfiguredGetsTheGenericPolicyAndIsSignalled() {
    transitions = new Transitions(ExpiryConfig.of(Map.of("TOKENWARDEN_PROVIDER_RETIRED_TYPE", "oauth2")));
    apply(issued("retired", T0 + 60 * MINUTE, null));
    transitions = new Transitions(ExpiryConfig.of(Map.of()));
    List<Decision> fired = advanceTo(T0 + 55 * MINUTE);
    assertThat(fired).allSatisfy(d -> assertThat(d.signals()).contains(Signal.UNKNOWN_PROVIDER));
    // The generic REFRESH_BEFORE is five minutes, with up to a minute of jitter.
    assertThat(onlyCommand(fired).getRequestedAt().toEpochMilli()).isBetween(T0 + 54 * MINUTE, T0 + 55 * MINUTE);
    assertThat(apply(new Input.Requested(id())).signals()).contains(Signal.UNKNOWN_PROVIDER);
  }

  @Test
  void aRefreshTokenExpiryThatMovesByMillisecondsKeepsItsWarningAndARealExtensionRestartsIt() {
    long refreshTokenExpiresAt = T0 + Duration.ofDays(10).toMillis();
    Decision issued = apply(issued("tiktok", T0 + 2 * 60 * MINUTE, refreshTokenExpiresAt));
    assertThat(issued.events()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.REFRESH_TOKEN_EXPIRING);

    RefreshCommand command = onlyCommand(List.of(apply(new Input.Requested(id()))));
    now += 5 * SECOND;
    // now + refresh_expires_in, a few seconds later: the same refresh token counted down.
    Decision countdown = apply(refreshed(command, now + 2 * 60 * MINUTE, refreshTokenExpiresAt + 1234, now));
    assertThat(countdown.events()).as("no second warning").isEmpty();
    assertThat(countdown.next().refreshTokenExpiresAt()).isEqualTo(refreshTokenExpiresAt);
    assertThat(countdown.status().getAttention()).isTrue();

    command = onlyCommand(List.of(apply(new Input.Requested(id()))));
    long extended = now + Duration.ofDays(180).toMillis();
    Decision rotated = apply(refreshed(command, now + 2 * 60 * MINUTE, extended, now));
    assertThat(rotated.next().refreshTokenExpiresAt()).isEqualTo(extended);
    assertThat(rotated.status().getAttention()).as("a new refresh token clears the warning").isFalse();
  }

  @Test
  void aRenewalWithoutExpiryIsAssumedToLiveAsLongAsTheTokenItReplaced() {
    apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    RefreshCommand command = onlyCommand(advanceTo(T0 + 110 * MINUTE));
    now += SECOND;
    Decision d = apply(refreshed(command, null, null, now));
    assertThat(d.next().expiresAt()).isEqualTo(now + 2 * 60 * MINUTE);
    // It is refreshed again in time, not never and not at once.
    RefreshCommand next = onlyCommand(advanceTo(now + 110 * MINUTE));
    assertThat(next.getGeneration()).isEqualTo(command.getGeneration() + 1);
  }

  @Test
  void aRenewalWithoutExpiryOfATokenThatArrivedExpiredAssumesAnHour() {
    Decision d0 = apply(issued("x", T0 - MINUTE, null));
    RefreshCommand command = onlyCommand(List.of(d0));
    now += SECOND;
    assertThat(apply(refreshed(command, null, null, now)).next().expiresAt()).isEqualTo(now + 60 * MINUTE);
  }

  @Test
  void aTokenThatNeverExpiredStaysSoWhenItsRenewalSaysNothing() {
    apply(issued("youtube", null, null));
    RefreshCommand keepAlive = onlyCommand(advanceTo(T0 + Duration.ofDays(30).toMillis()));
    assertThat(apply(refreshed(keepAlive, null, null, now)).next().expiresAt()).isNull();
  }

  @Test
  void aDuplicateChangesNothingAndARemovalDeletesAndTombstones() {
    Input.Issued first = issued("x", T0 + 2 * 60 * MINUTE, null);
    apply(first);
    Decision duplicate = transitions.decide(state, first, now);
    assertThat(duplicate.effect()).isEqualTo(Effect.DUPLICATE);
    assertThat(duplicate.store()).isEqualTo(Decision.Store.NONE);

    List<Timer> timers = state.timers();
    Decision removed = apply(new Input.Removed(id()));
    assertThat(removed.effect()).isEqualTo(Effect.REMOVED);
    assertThat(removed.store()).isEqualTo(Decision.Store.DELETE);
    assertThat(removed.tombstone()).isTrue();
    assertThat(removed.timersRemoved()).isEqualTo(timers);
    assertThat(removed.after()).isNull();
  }

  @Test
  void aRevocationWithoutReasonSaysRevokedAndCancelsEverything() {
    apply(issued("x", T0 + 2 * 60 * MINUTE, null));
    onlyCommand(List.of(apply(new Input.Requested(id()))));
    Decision d = apply(new Input.Revoked(id(), null));
    assertThat(d.status().getState()).isEqualTo(ConnectionState.REVOKED);
    assertThat(d.status().getReason()).isEqualTo("revoked");
    assertThat(d.status().getRefreshing()).isFalse();
    assertThat(d.next().timers()).isEmpty();
  }

  @Test
  void aSixtySecondTokenOfTheGenericPolicyIsRefreshedEveryHalfMinuteAndNeverWarned() {
    Map<String, String> env = new HashMap<>();
    env.put("TOKENWARDEN_PROVIDER_SIXTY_TYPE", "oauth2");
    transitions = new Transitions(ExpiryConfig.of(env));
    apply(issued("sixty", T0 + 60 * SECOND, null));
    int commands = 0;
    long end = T0 + 2 * 60 * SECOND;
    while (now < end) {
      for (Decision d : advanceTo(Math.min(end, state.timers().get(0).due()))) {
        assertThat(d.events()).as("no warning, no expiry").isEmpty();
        for (RefreshCommand command : d.commands()) {
          commands++;
          now += 200;
          Decision renewed = apply(refreshed(command, now + 60 * SECOND, null, now));
          assertThat(renewed.status().getAttention()).isFalse();
        }
      }
    }
    assertThat(commands).isBetween(3, 4);
  }
}
