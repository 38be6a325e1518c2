package io.tokenwarden.stream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.stream.policy.ExpiryPolicy;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The refresh and warning schedule at its edges: tiny, boundary, zero and negative lifetimes. */
class RefreshTimingTest {

  private static final long START = 1_900_000_000_000L;
  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;

  /** REFRESH_BEFORE=PT5M, WARN_BEFORE=PT2M, JITTER=PT1M, MIN_REFRESH_INTERVAL=PT1M. */
  private final ExpiryPolicy generic = ExpiryPolicies.GENERIC;

  @Test
  void aSixtySecondTokenIsRefreshedAtHalfItsLifetimeWithHalfItAsTheMinimumInterval() {
    long expiresAt = START + 60 * SECOND;
    for (long jitter : new long[] {0, 30 * SECOND, MINUTE - 1}) {
      assertThat(RefreshTiming.refreshDue(generic, START, expiresAt, jitter)).isEqualTo(START + 30 * SECOND);
    }
    assertThat(RefreshTiming.minInterval(generic, 60 * SECOND)).isEqualTo(30 * SECOND);
    // The previous command went out just before this token started: the interval does not push the refresh.
    assertThat(RefreshTiming.notSooner(START + 30 * SECOND, START - 200, 30 * SECOND)).isEqualTo(START + 30 * SECOND);
    assertThat(RefreshTiming.warnDue(generic, START, expiresAt, true)).as("three quarters, not at once")
        .isEqualTo(START + 45 * SECOND);
  }

  @Test
  void aLongLivedTokenIsRefreshedRefreshBeforeAndJitterAheadOfExpiry() {
    long expiresAt = START + 60 * MINUTE;
    assertThat(RefreshTiming.refreshDue(generic, START, expiresAt, 20 * SECOND))
        .isEqualTo(expiresAt - 5 * MINUTE - 20 * SECOND);
    assertThat(RefreshTiming.minInterval(generic, 60 * MINUTE)).isEqualTo(MINUTE);
    assertThat(RefreshTiming.warnDue(generic, START, expiresAt, true)).isEqualTo(expiresAt - 2 * MINUTE);
  }

  @Test
  void aLifetimeExactlyRefreshBeforePlusJitterIsRefreshedAtHalfNotAtOnce() {
    long lifetime = 6 * MINUTE;
    long expiresAt = START + lifetime;
    // With the largest jitter the lead rule alone would refresh at the very start.
    assertThat(expiresAt - 5 * MINUTE - (MINUTE - 1)).isEqualTo(START + 1);
    assertThat(RefreshTiming.refreshDue(generic, START, expiresAt, MINUTE - 1)).isEqualTo(START + 3 * MINUTE);
    assertThat(RefreshTiming.refreshDue(generic, START, expiresAt, 0)).isEqualTo(START + 3 * MINUTE);
    // Twice that: the lead rule and half the lifetime meet.
    assertThat(RefreshTiming.refreshDue(generic, START, START + 12 * MINUTE, MINUTE)).isEqualTo(START + 6 * MINUTE);
  }

  @Test
  void aTinyLifetimeNeverShortensTheIntervalBelowTenSeconds() {
    assertThat(RefreshTiming.refreshDue(generic, START, START + 1, 0)).isEqualTo(START);
    assertThat(RefreshTiming.minInterval(generic, 1L)).isEqualTo(10 * SECOND);
    assertThat(RefreshTiming.minInterval(generic, 19 * SECOND)).isEqualTo(10 * SECOND);
    assertThat(RefreshTiming.minInterval(generic, 21 * SECOND)).isEqualTo(10_500);
    ExpiryPolicy fast = policy("TOKENWARDEN_POLICY_X_MIN_REFRESH_INTERVAL", "PT2S");
    assertThat(RefreshTiming.minInterval(fast, 1L)).as("a configured interval below the floor stays")
        .isEqualTo(2 * SECOND);
  }

  @Test
  void aTokenOfZeroOrNegativeLifetimeIsRefreshedAtOnceButNotSoonerThanTheFullInterval() {
    for (long lifetime : new long[] {0, -1, -5 * MINUTE}) {
      long expiresAt = START + lifetime;
      assertThat(RefreshTiming.refreshDue(generic, START, expiresAt, 30 * SECOND)).isLessThanOrEqualTo(START);
      assertThat(RefreshTiming.minInterval(generic, lifetime)).isEqualTo(MINUTE);
      assertThat(RefreshTiming.warnDue(generic, START, expiresAt, true)).isLessThanOrEqualTo(START);
    }
    assertThat(RefreshTiming.minInterval(generic, null)).as("a token that never expires").isEqualTo(MINUTE);
  }

  @Test
  void aTokenOnlyAHumanCanRenewIsWarnedItsFullLeadAhead() {
    ExpiryPolicy facebook = ExpiryPolicies.DEFAULTS.get("facebook");
    long expiresAt = START + Duration.ofDays(3).toMillis();
    assertThat(RefreshTiming.warnDue(facebook, START, expiresAt, false))
        .isEqualTo(expiresAt - Duration.ofDays(7).toMillis());
  }

  @Property(tries = 2000)
  void aRefreshIsNeverBeforeHalfTheLifetimeNorAfterTheExpiryAndTheIntervalNeverPushesItToTheExpiry(
      @ForAll @LongRange(min = 1, max = 400L * 24 * 3600 * 1000) long lifetime,
      @ForAll @LongRange(min = 0, max = 3600 * 1000) long jitterMax,
      @ForAll @LongRange(min = 0, max = 5000) long commandBeforeStart) {
    ExpiryPolicy policy = policy("TOKENWARDEN_POLICY_X_JITTER", Duration.ofMillis(jitterMax).toString());
    long jitter = jitterMax / 2;
    long expiresAt = START + lifetime;
    long due = RefreshTiming.refreshDue(policy, START, expiresAt, jitter);
    assertThat(due).isBetween(START + lifetime / 2, expiresAt);
    long interval = RefreshTiming.minInterval(policy, lifetime);
    long withInterval = RefreshTiming.notSooner(due, START - commandBeforeStart, interval);
    if (lifetime >= 2 * RefreshTiming.MIN_INTERVAL_FLOOR_MS) {
      assertThat(withInterval).as("pushed by the interval").isEqualTo(due);
    }
    assertThat(interval).isGreaterThanOrEqualTo(RefreshTiming.MIN_INTERVAL_FLOOR_MS);
  }

  private static ExpiryPolicy policy(String name, String value) {
    return ExpiryPolicies.from(Env.of(Map.of(name, value))).forProvider("x");
  }
}
