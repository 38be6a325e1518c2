package io.tokenwarden.stream.processor;

import io.tokenwarden.stream.policy.ExpiryPolicy;

/**
 * When a connection's automatic refreshes and its access-token warning are due. Times are epoch milliseconds;
 * {@code start} is when the stream accepted the token and {@code lifetime} is {@code expiresAt - start}.
 *
 * <p>The rules, stated once more in the README:
 * <ol>
 *   <li>A proactive refresh is due {@code REFRESH_BEFORE} plus the connection's jitter before expiry, but never
 *       before half the token's lifetime. A token that lives less than {@code REFRESH_BEFORE + JITTER} is so
 *       refreshed at half its lifetime, not at once; a token that is already expired when it arrives, at once.</li>
 *   <li>No automatic refresh (proactive, keep-alive, retry) comes sooner than the minimum interval after the
 *       connection's previous refresh command. The interval is {@code MIN_REFRESH_INTERVAL}, except for a token
 *       that lives less than twice that: its interval is half its lifetime, so the interval never pushes its
 *       refresh to its expiry. It is never shorter than {@link #MIN_INTERVAL_FLOOR_MS} (or
 *       {@code MIN_REFRESH_INTERVAL} if that is shorter), so that even a token of a few milliseconds cannot
 *       cause a loop: such a token expires between its refreshes. A token with no expiry, or one that arrived
 *       already expired, gets the full {@code MIN_REFRESH_INTERVAL}.</li>
 *   <li>The warning of a token a machine can renew comes {@code WARN_BEFORE} before expiry, but not before three
 *       quarters of its lifetime, so that a short-lived token is not announced as expiring the moment it is
 *       issued. A token only a human can renew is warned {@code WARN_BEFORE} before expiry, whatever its
 *       lifetime.</li>
 * </ol>
 */
final class RefreshTiming {

  /** The shortest minimum interval, whatever the lifetime: 10 seconds. */
  static final long MIN_INTERVAL_FLOOR_MS = 10_000;

  private RefreshTiming() {}

  /** The proactive refresh: {@code REFRESH_BEFORE} + jitter before expiry, but not before half the lifetime. */
  static long refreshDue(ExpiryPolicy policy, long start, long expiresAt, long jitter) {
    long lifetime = expiresAt - start;
    long lead = policy.refreshBefore().orElseThrow().toMillis() + jitter;
    return Math.max(expiresAt - lead, start + lifetime / 2);
  }

  /** The access-token warning (see the class comment). */
  static long warnDue(ExpiryPolicy policy, long start, long expiresAt, boolean renewable) {
    long due = expiresAt - policy.warnBefore().toMillis();
    long lifetime = expiresAt - start;
    return renewable && lifetime > 0 ? Math.max(due, start + lifetime - lifetime / 4) : due;
  }

  /** The least time between two automatic refreshes of a token of {@code lifetime} (null: it never expires). */
  static long minInterval(ExpiryPolicy policy, Long lifetime) {
    long configured = policy.minRefreshInterval().toMillis();
    if (lifetime == null || lifetime <= 0) {
      return configured;
    }
    return Math.max(Math.min(configured, lifetime / 2), Math.min(configured, MIN_INTERVAL_FLOOR_MS));
  }

  /** {@code due}, or later if the previous command was less than {@code interval} before it. */
  static long notSooner(long due, Long lastAttemptAt, long interval) {
    return lastAttemptAt == null ? due : Math.max(due, lastAttemptAt + interval);
  }
}
