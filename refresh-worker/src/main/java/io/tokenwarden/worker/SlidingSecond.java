package io.tokenwarden.worker;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A hard cap on calls started in any sliding second, behind the resilience4j pacing: when the JVM stalls,
 * threads that waited for pacing permits wake up together, and this holds them back so the provider never counts
 * more than the limit. Fair, so waiting calls go in arrival order.
 */
final class SlidingSecond {

  /** Window length; slightly over a second so that a few milliseconds of network jitter cannot push a call in. */
  private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1_050);

  private final int limit;
  private final ArrayDeque<Long> starts = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock(true);

  SlidingSecond(double maxPerSecond) {
    this.limit = Math.max(1, (int) Math.floor(maxPerSecond));
  }

  /** Waits until a call may start, for at most {@code maxWaitNanos}; true if it may. */
  boolean acquire(long maxWaitNanos) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitNanos;
    if (!lock.tryLock(maxWaitNanos, TimeUnit.NANOSECONDS)) {
      return false;
    }
    try {
      while (true) {
        long now = System.nanoTime();
        while (!starts.isEmpty() && now - starts.peekFirst() >= WINDOW_NANOS) {
          starts.pollFirst();
        }
        if (starts.size() < limit) {
          starts.addLast(now);
          return true;
        }
        long wait = starts.peekFirst() + WINDOW_NANOS - now;
        if (now + wait > deadline) {
          return false;
        }
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    } finally {
      lock.unlock();
    }
  }
}
