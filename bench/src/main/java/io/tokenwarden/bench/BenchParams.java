package io.tokenwarden.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every parameter of one bench run; {@link #forScale} derives them from {@code --scale}.
 *
 * @param scale the scale's name: 10k, 100k, 1m or 10m
 * @param n connections of raw, ingest and burst, and tracked under steady, restore and memory
 * @param scaleTracked tracked connections of the scale scenario, smallest first
 * @param scaleDue deadlines fired on top of each tracked size in the scale scenario
 * @param steadyRate deadlines due per second in steady
 * @param steadyDuration how long steady lasts
 * @param steadyLead how far ahead of its deadline each steady connection is issued
 * @param childJvm whether each stream runs in a JVM of its own ({@link StreamChild}); at 1m and 10m
 * @param childHeap the -Xmx of such a JVM
 * @param scaleOutTracked connections tracked by the scale-out scenario's instances
 * @param partitions partitions of the co-partitioned topics
 * @param workerCommands refresh commands per worker run
 * @param workerMaxRps the stub provider's configured rate limit ({@code TOKENWARDEN_PROVIDER_<ID>_MAX_RPS})
 * @param workerLatency the stub provider's answer time
 * @param only scenarios to run; empty for all
 * @param resultsDir where the markdown result file is written
 * @param bootstrapServers the broker; null to start an embedded one
 */
public record BenchParams(
    String scale,
    int n,
    List<Integer> scaleTracked,
    int scaleDue,
    int steadyRate,
    Duration steadyDuration,
    Duration steadyLead,
    boolean childJvm,
    String childHeap,
    int scaleOutTracked,
    int partitions,
    int workerCommands,
    int workerMaxRps,
    Duration workerLatency,
    Set<String> only,
    Path resultsDir,
    String bootstrapServers) {

  /** Every scenario, in the order they run. */
  public static final List<String> SCENARIOS = List.of("raw", "ingest", "eos-pass-through", "burst", "steady",
      "scale", "restore", "memory", "scale-out", "worker", "pg-poll", "gateway");

  /** The defaults of a scale: {@code 10k}, {@code 100k}, {@code 1m} or {@code 10m}. */
  public static BenchParams forScale(String scale) {
    String s = scale.toLowerCase(Locale.ROOT);
    int n = switch (s) {
      case "10k" -> 10_000;
      case "100k" -> 100_000;
      case "1m" -> 1_000_000;
      case "10m" -> 10_000_000;
      default -> throw new IllegalArgumentException("--scale: expected 10k, 100k, 1m or 10m, got '" + scale + "'");
    };
    // The scale scenario compares a tenth of n with n (100k versus 1M at 1m), and adds 100k at 10m.
    List<Integer> tracked = n >= 10_000_000 ? List.of(100_000, 1_000_000, n) : List.of(n / 10, n);
    int steadyRate = n >= 1_000_000 ? 10_000 : n >= 100_000 ? 5_000 : 2_000;
    Duration steadyDuration = Duration.ofSeconds(n >= 1_000_000 ? 60 : n >= 100_000 ? 20 : 5);
    return new BenchParams(s, n, tracked, Math.max(2_000, Math.min(n / 5, 50_000)), steadyRate, steadyDuration,
        Duration.ofSeconds(5), n >= 1_000_000, n >= 10_000_000 ? "4g" : "1g", Math.max(2_000, n / 10), 6,
        Math.max(1_000, Math.min(n / 5, 30_000)), 1_500, Duration.ofMillis(100), Set.of(), Path.of("bench", "results"), null);
  }

  /** Connections ingested and fired on a throwaway stream before anything is measured. */
  int warmUp() {
    return Math.max(1_000, Math.min(n / 10, 100_000));
  }

  boolean runs(String scenario) {
    return only.isEmpty() || only.contains(scenario);
  }

  /** Every parameter, for the results file. */
  Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("scale", scale);
    m.put("N (raw, ingest, burst; tracked for steady, restore, memory)", Integer.toString(n));
    m.put("warm-up before measuring (ingested and fired on a throwaway stream)", Integer.toString(warmUp()));
    m.put("scale: tracked sizes", scaleTracked.toString());
    m.put("scale: deadlines fired on top of each", Integer.toString(scaleDue));
    m.put("steady: due per second", Integer.toString(steadyRate));
    m.put("steady: duration", steadyDuration.toString());
    m.put("steady: issued ahead of deadline", steadyLead.toString());
    m.put("streams", childJvm ? "each in a JVM of its own (-Xmx" + childHeap + ")" : "in the bench's JVM");
    m.put("scale-out: tracked", Integer.toString(scaleOutTracked));
    m.put("partitions", Integer.toString(partitions));
    m.put("worker: commands per run", Integer.toString(workerCommands));
    m.put("worker: stub provider latency", workerLatency.toString());
    m.put("worker: provider MAX_RPS", Integer.toString(workerMaxRps));
    m.put("broker", bootstrapServers == null ? "embedded (in this JVM)" : bootstrapServers);
    m.put("only", only.isEmpty() ? "all" : String.join(",", only));
    return m;
  }
}
