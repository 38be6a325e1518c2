package io.tokenwarden.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code scale-out} scenario: one, then two, then three instances of the expiry stream on the same topics,
 * each in a JVM of its own (the first in the bench's JVM below 1m), once without and once with standby replicas.
 * For each instance that joins it reports how long the group took to run again, how long the new instance took to
 * hold its share of the active tasks, and how evenly a batch of deadlines due at one instant was then fired
 * across the instances. On two shared cores this shows correctness and balance, not speed-up.
 *
 * <p>Kafka Streams moves an active task to a new instance only once that instance has caught up with the task's
 * changelog (within {@code acceptable.recovery.lag}, 10,000 records); until then it restores a warm-up copy and a
 * probing rebalance checks again every {@code probing.rebalance.interval.ms}. Its default, 10 minutes, is longer
 * than the scenario; it runs with that interval's minimum, 60 s, and says so.
 */
final class ScaleOut {

  static final long PROBING_MS = 60_000;
  static final Duration SHARE_LIMIT = Duration.ofSeconds(150);

  private ScaleOut() {}

  static void run(Bench bench, String bootstrap) throws Exception {
    for (boolean standby : new boolean[] {false, true}) {
      once(bench, bootstrap, standby);
    }
  }

  private static void once(Bench bench, String bootstrap, boolean standby) throws Exception {
    BenchParams p = bench.params();
    String subject = "tokenwarden, standby " + (standby ? "1" : "0");
    Map<String, Object> kafka = Map.of("num.standby.replicas", standby ? "1" : "0",
        "probing.rebalance.interval.ms", Long.toString(PROBING_MS));
    List<StreamHandle> extra = new ArrayList<>();
    try (StreamSubject s = bench.newStream(subject, bootstrap, kafka)) {
      List<StreamHandle> instances = new ArrayList<>();
      instances.add(s.stream());
      int tracked = p.scaleOutTracked();
      s.issue("t", 0, tracked, i -> TimerSubject.TRACKED);
      s.awaitIngested("t", tracked, Duration.ofSeconds(120 + tracked / 300));
      int due = Math.max(1_000, Math.min(p.scaleDue(), 50_000));
      bench.addResult(Result.of("scale-out", subject, "1 instance: " + fire(s, instances, "f1", due),
          String.format("%,d tracked, %d partitions; %,d due at one instant", tracked, p.partitions(), due)));
      for (int k = 2; k <= 3; k++) {
        long t0 = System.currentTimeMillis();
        StreamHandle joined = s.startInstance(true);
        extra.add(joined);
        instances.add(joined);
        long running = System.currentTimeMillis();
        int share = p.partitions() / k;
        long shareAt = -1;
        String last = "";
        while (System.currentTimeMillis() - t0 < SHARE_LIMIT.toMillis()) {
          last = joined.tasks();
          if (allRunning(instances) && active(last).size() >= share && covered(instances, p.partitions())) {
            shareAt = System.currentTimeMillis();
            break;
          }
          Thread.sleep(100);
        }
        String split = fire(s, instances, "f" + k, due);
        bench.addResult(Result.of("scale-out", subject, String.format("%d instances: running after %.1f s, share"
            + " after %s; %s", k, (running - t0) / 1000.0, shareAt < 0 ? "more than " + SHARE_LIMIT.toSeconds() + " s"
            : String.format("%.1f s", (shareAt - t0) / 1000.0), split), String.format("the new JVM's start to"
            + " RUNNING (the rebalance that lets it in) %.1f s, the JVM's own start included (%.1f s); to holding"
            + " %d of %d active tasks with every instance RUNNING: %s; the new instance's tasks at the end: %s;"
            + " probing.rebalance.interval.ms %d (default 10 min)", (running - t0) / 1000.0,
            (joined.jvmStartedAt() - t0) / 1000.0, share, p.partitions(),
            shareAt < 0 ? "not within " + SHARE_LIMIT.toSeconds() + " s" : (shareAt - t0) + " ms", last,
            PROBING_MS)));
      }
    } finally {
      extra.forEach(StreamHandle::close);
    }
  }

  /** Fires {@code count} deadlines due at one instant; returns the time and how they fell across instances. */
  private static String fire(StreamSubject s, List<StreamHandle> instances, String batch, int count)
      throws Exception {
    long due = System.currentTimeMillis() + 3_000 + count / 10;
    s.issue(batch, 0, count, i -> due);
    List<Fired> fired = s.awaitFired(batch, count, Duration.ofMillis(due - System.currentTimeMillis())
        .plusSeconds(120));
    long last = fired.stream().mapToLong(Fired::received).max().orElse(due);
    int[] byPartition = s.firedByPartition(batch);
    List<Integer> perInstance = new ArrayList<>();
    for (StreamHandle h : instances) {
      perInstance.add(active(h.tasks()).stream().mapToInt(q -> byPartition[q]).sum());
    }
    int total = perInstance.stream().mapToInt(Integer::intValue).sum();
    return String.format("%,d of %,d fired in %,d ms, per instance %s", fired.size(), count, last - due,
        perInstance.stream().map(n -> String.format("%.0f%%", total == 0 ? 0 : 100.0 * n / total))
            .collect(Collectors.joining("/")));
  }

  private static boolean allRunning(List<StreamHandle> instances) throws Exception {
    for (StreamHandle h : instances) {
      if (!h.tasks().startsWith("TASKS RUNNING")) {
        return false;
      }
    }
    return true;
  }

  private static boolean covered(List<StreamHandle> instances, int partitions) throws Exception {
    Set<Integer> all = new HashSet<>();
    for (StreamHandle h : instances) {
      all.addAll(active(h.tasks()));
    }
    return all.size() == partitions;
  }

  /** The active partitions in a {@code TASKS} answer. */
  static Set<Integer> active(String tasks) {
    String[] f = tasks.split(" ");
    Set<Integer> out = new HashSet<>();
    if (f.length > 2 && !f[2].equals("-")) {
      for (String q : f[2].split(",")) {
        out.add(Integer.parseInt(q));
      }
    }
    return out;
  }
}
