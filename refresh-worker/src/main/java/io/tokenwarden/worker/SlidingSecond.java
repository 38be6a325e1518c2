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

  /**
   * Window length: over a second, so that arrivals shifted by the network, thread scheduling or a GC pause (up to
   * 100 ms) cannot put more than the limit into one of the provider's seconds. The pacing in front (90% of the
   * limit) stays under this cap (100 calls in 1.1 s is 91 a second), so the cap costs no throughput.
   */
  private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1_100);

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
