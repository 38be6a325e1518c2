package io.tokenwarden.bench;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.worker.RefreshWorkerRunner;
import io.tokenwarden.worker.WorkerConfig;
import io.tokenwarden.worker.WorkerMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The refresh worker against {@link StubProvider}: a backlog of refresh commands for distinct connections,
 * published at once; refreshes per second until the last {@code TokenRefreshed} is visible.
 */
final class WorkerBench {

  static final String PROVIDER = "benchload";

  private WorkerBench() {}

  static Result run(String bootstrap, BenchParams p, int concurrency, CredentialSealer sealer, StubProvider stub)
      throws Exception {
    String prefix = "bench-w-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Topics topics = Topics.create(prefix, p.partitions());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) -1).ensure(topics);
    }
    Map<String, String> vars = new HashMap<>();
    String key = "TOKENWARDEN_PROVIDER_" + PROVIDER.toUpperCase() + "_";
    vars.put(key + "TYPE", "oauth2");
    vars.put(key + "CLIENT_ID", "bench-client");
    vars.put(key + "CLIENT_SECRET", "bench-secret");
    vars.put(key + "TOKEN_URL", stub.tokenUrl());
    vars.put(key + "MAX_RPS", Integer.toString(p.workerMaxRps()));
    vars.put(key + "RATE_LIMIT_WAIT", "PT120S");
    vars.put("TOKENWARDEN_WORKER_CONCURRENCY", Integer.toString(concurrency));
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", prefix + "worker");
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", prefix + "worker-1");

    int n = p.workerCommands();
    List<RefreshCommand> commands = new ArrayList<>(n);
    Instant requested = Instant.now();
    for (int i = 0; i < n; i++) {
      String id = "w-" + i;
      commands.add(RefreshCommand.newBuilder()
          .setCommandId("bench-cmd-" + i).setConnectionId(id).setTenantId("bench").setProvider(PROVIDER)
          .setAccountId("acct-" + i).setGeneration(1).setReason(RefreshReason.PROACTIVE).setAttempt(1)
          .setCredentials(sealer.seal(id, TokenCredentials.bearer("bench-access-" + i, "bench-refresh-" + i)))
          .setRequestedAt(requested).setExpiresAt(requested.plusSeconds(3600)).build());
    }
    stub.reset();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConcurrentLinkedQueue<long[]> outcomes = new ConcurrentLinkedQueue<>();
    Map<String, Long> sentAt = new java.util.concurrent.ConcurrentHashMap<>();
    try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(WorkerConfig.of(vars), topics,
            Map.of("bootstrap.servers", bootstrap), sealer, registry);
        KafkaConsumer<String, TokenLifecycleEvent> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG, prefix + "reader",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
            topics.lifecycle.keySerde().deserializer(), topics.lifecycle.valueSerde().deserializer());
        KafkaProducer<String, RefreshCommand> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, "5"),
            topics.refreshCommands.keySerde().serializer(), topics.refreshCommands.valueSerde().serializer())) {
      long readyBy = System.currentTimeMillis() + 60_000;
      while (!worker.isReady()) {
        if (System.currentTimeMillis() > readyBy || worker.fatalError().isPresent()) {
          throw new IllegalStateException("the worker did not get its partitions: " + worker.fatalError());
        }
        Thread.sleep(20);
      }
      consumer.subscribe(List.of(topics.lifecycle.name()));
      long t0 = System.currentTimeMillis();
      for (RefreshCommand c : commands) {
        producer.send(new ProducerRecord<>(topics.refreshCommands.name(), c.getConnectionId(), c));
        sentAt.put(c.getCommandId(), System.currentTimeMillis());
      }
      producer.flush();
      long deadline = System.currentTimeMillis() + 120_000L + n * 1000L / Math.max(1, Math.min(p.workerMaxRps(),
          concurrency * 5));
      while (outcomes.size() < n && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, TokenLifecycleEvent> r : consumer.poll(Duration.ofMillis(50))) {
          if (r.value().getPayload() instanceof TokenRefreshed refreshed) {
            long now = System.currentTimeMillis();
            outcomes.add(new long[] {now, r.timestamp() - sentAt.getOrDefault(refreshed.getCommandId(), t0)});
          }
        }
        if (worker.fatalError().isPresent()) {
          throw new IllegalStateException("the worker failed: " + worker.fatalError().get());
        }
      }
      long last = outcomes.stream().mapToLong(o -> o[0]).max().orElse(t0);
      double rate = outcomes.size() / Math.max(0.001, (last - t0) / 1000.0);
      Stats e2e = Stats.of(outcomes.stream().mapToLong(o -> o[1]).toArray());
      int busiest = stub.busiestSecond();
      String details = String.format("%d of %d refreshed in %.1f s; provider call p99 %s ms (worker meter);"
              + " command to outcome p50/p99 %d/%d ms (a backlog, so mostly queueing); stub: %d requests,"
              + " busiest second %d, limit %d: %s", outcomes.size(), n, (last - t0) / 1000.0,
          callP99Millis(registry), e2e.p50(), e2e.p99(), stub.requests(), busiest, p.workerMaxRps(),
          busiest <= p.workerMaxRps() ? "never exceeded" : "EXCEEDED");
      worker.close(Duration.ofSeconds(30));
      return Result.of("worker", "tokenwarden worker c=" + concurrency, String.format("%,.0f refreshes/s", rate),
          details);
    }
  }

  /** p99 of the worker's token endpoint timer, from its histogram buckets. */
  private static String callP99Millis(SimpleMeterRegistry registry) {
    Timer timer = registry.find(WorkerMetrics.DURATION).timer();
    if (timer == null || timer.count() == 0) {
      return "n/a";
    }
    HistogramSnapshot snapshot = timer.takeSnapshot();
    double target = 0.99 * snapshot.count();
    for (CountAtBucket b : snapshot.histogramCounts()) {
      if (b.count() >= target) {
        return String.format("<= %.0f", b.bucket(TimeUnit.MILLISECONDS));
      }
    }
    return String.format("<= %.0f", timer.max(TimeUnit.MILLISECONDS));
  }
}
