package io.tokenwarden.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokenwarden bench}: measures the expiry stream and the worker against the broker's own limit, a Kafka
 * Streams pass-through under exactly-once, and a PostgreSQL polling scheduler, in one
 * run, and writes the table to {@code bench/results/<timestamp>.md}. The stream runs with its defaults; set
 * {@code TOKENWARDEN_*} and {@code KAFKA_*} variables to run it as you would run {@code tokenwarden run --stream}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks Tokenwarden against the broker's limit, an exactly-once pass-through and PostgreSQL polling.")
public final class BenchCommand implements Callable<Integer> {

  @Option(names = "--scale", defaultValue = "10k", description = "10k, 100k, 1m or 10m (default ${DEFAULT-VALUE}).")
  String scale;

  @Option(names = "--only", split = ",", description = "Scenarios to run, of: raw, ingest, eos-pass-through, burst,"
      + " steady, scale, restore, memory, scale-out, worker, pg-poll, gateway.")
  Set<String> only = new LinkedHashSet<>();

  @Option(names = "--results-dir", defaultValue = "bench/results", description = "Where the result file goes.")
  Path resultsDir;

  @Option(names = "--steady-rate", description = "Deadlines due per second in steady (default by scale).")
  Integer steadyRate;

  @Option(names = "--steady-duration", description = "How long steady lasts, ISO-8601 (default by scale).")
  Duration steadyDuration;

  @Option(names = "--child-jvm", negatable = true, description = "Run each stream in a JVM of its own (default: at"
      + " 1m and 10m).")
  Boolean childJvm;

  /** Set by tests and by callers that already have a broker; else KAFKA_BOOTSTRAP_SERVERS or an embedded one. */
  String bootstrapServers = System.getenv("KAFKA_BOOTSTRAP_SERVERS");

  /** The parameters these options select. */
  public BenchParams params() {
    BenchParams d = BenchParams.forScale(scale);
    for (String s : only) {
      if (!BenchParams.SCENARIOS.contains(s)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "--only: unknown scenario '" + s + "'; expected one of " + BenchParams.SCENARIOS);
      }
    }
    return new BenchParams(d.scale(), d.n(), d.scaleTracked(), d.scaleDue(),
        steadyRate != null ? steadyRate : d.steadyRate(),
        steadyDuration != null ? steadyDuration : d.steadyDuration(), d.steadyLead(),
        childJvm != null ? childJvm : d.childJvm(), d.childHeap(),
        d.scaleOutTracked(), d.partitions(), d.workerCommands(),
        d.workerMaxRps(), d.workerLatency(), Set.copyOf(only), resultsDir,
        bootstrapServers == null || bootstrapServers.isBlank() ? null : bootstrapServers.trim());
  }

  @Override
  public Integer call() throws Exception {
    quietLogs();
    BenchParams params = params();
    Bench.Report report = new Bench(params, System.out).run();
    var incomplete = report.incomplete(params);
    if (!incomplete.isEmpty()) {
      System.err.println("bench: no numbers from " + incomplete);
      return 1;
    }
    return 0;
  }

  /** Kafka and the embedded broker log at INFO by default; the bench's own output is the table. */
  static void quietLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
      Arrays.asList("org.apache.kafka", "kafka", "org.apache.zookeeper", "state.change.logger")
          .forEach(n -> ctx.getLogger(n).setLevel(ch.qos.logback.classic.Level.ERROR));
    }
  }
}
