package io.tokenwarden.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The deadlines a subject has fired, by batch. Counts are kept apart from the queues: a queue's {@code size()}
 * walks every node, and the bench asks for it every 10 ms while the subject under test needs the CPU.
 */
final class FiredLog {

  private record Batch(Queue<Fired> fired, AtomicInteger count) {}

  private final Map<String, Batch> batches = new ConcurrentHashMap<>();

  void add(String batch, Fired f) {
    Batch b = batches.computeIfAbsent(batch, k -> new Batch(new ConcurrentLinkedQueue<>(), new AtomicInteger()));
    b.fired.add(f);
    b.count.incrementAndGet();
  }

  int count(String batch) {
    Batch b = batches.get(batch);
    return b == null ? 0 : b.count.get();
  }

  List<Fired> snapshot(String batch) {
    Batch b = batches.get(batch);
    return b == null ? new ArrayList<>() : new ArrayList<>(b.fired);
  }
}
