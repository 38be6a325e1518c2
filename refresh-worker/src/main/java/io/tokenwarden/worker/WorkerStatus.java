package io.tokenwarden.worker;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;

/** What the poll thread tells other threads: health, assignment, and the stop signal. */
final class WorkerStatus {

  private volatile boolean stopRequested;
  private volatile Duration stopTimeout = Duration.ofSeconds(30);
  private volatile long lastLoopNanos = System.nanoTime();
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile long stalledSince = Long.MAX_VALUE;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch terminated = new CountDownLatch(1);

  void requestStop(Duration timeout) {
    stopTimeout = timeout;
    stopRequested = true;
  }

  Duration stopTimeout() {
    return stopTimeout;
  }

  boolean stopRequested() {
    return stopRequested;
  }

  void loopAt(long nanos) {
    lastLoopNanos = nanos;
  }

  long lastLoopNanos() {
    return lastLoopNanos;
  }

  /**
   * Since when (nanoTime) the partition that has waited longest with pending commands has not moved its committed
   * offset; {@link Long#MAX_VALUE} when no partition has pending commands.
   */
  void stalledSince(long nanos) {
    stalledSince = nanos;
  }

  long stalledSince() {
    return stalledSince;
  }

  void assignment(Set<TopicPartition> partitions) {
    assignment = Set.copyOf(partitions);
  }

  Set<TopicPartition> assignment() {
    return assignment;
  }

  void failed(Throwable t) {
    failure.compareAndSet(null, t);
  }

  Optional<Throwable> failure() {
    return Optional.ofNullable(failure.get());
  }

  void terminated() {
    terminated.countDown();
  }

  boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  boolean awaitTermination(long nanos) throws InterruptedException {
    return terminated.await(nanos, TimeUnit.NANOSECONDS);
  }
}
