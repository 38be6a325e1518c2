package io.tokenwarden.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slow call does not hold finished answers back, and a worker killed with SIGKILL while it is in flight is
 * replaced by one that skips every command already answered: the provider stub, which issues single-use refresh
 * tokens, sees no replay of a spent one.
 */
class InFlightAnswersIT {

  private static final int FAST = 30;
  private static final com.google.crypto.tink.KeysetHandle KEYSET = Keysets.generate();
  private static final CredentialSealer sealer = new CredentialSealer(KEYSET);

  private ProviderStub stub;

  @BeforeEach
  void startStub() throws Exception {
    stub = new ProviderStub();
  }

  @AfterEach
  void stopStub() {
    stub.close();
  }

  private Map<String, String> vars(String txId, String group) {
    Map<String, String> vars = new HashMap<>(stub.providerVars("single"));
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", txId);
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", group);
    vars.put("TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT", "PT10S");
    return vars;
  }

  /** One slow command (held by the stub) at offset 0, then {@value #FAST} fast ones on other connections. */
  private static void sendSlowThenFast(BrokerFixture kafka) {
    kafka.send(Commands.command(sealer, "conn-slow", "single", "access-slow", "slow-1", 1, 1));
    for (int i = 1; i <= FAST; i++) {
      kafka.send(Commands.command(sealer, "conn-" + i, "single", "access-" + i, "fast-" + i, 1, 1));
    }
    kafka.flush();
  }

  private static long refreshedFast(List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes) {
    return outcomes.stream().filter(r -> !r.key().equals("conn-slow"))
        .filter(r -> r.value().getPayload() instanceof TokenRefreshed).count();
  }

  @Test
  void finished_answers_are_published_while_an_earlier_call_is_in_flight_and_a_stalled_partition_fails_liveness()
      throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("worker-it-inflight.", 1)) {
      Map<String, String> vars = vars("worker-it-inflight-" + UUID.randomUUID(), "worker-it-inflight-" + UUID.randomUUID());
      vars.put("TOKENWARDEN_WORKER_STALL_TIMEOUT", "PT3S");
      sendSlowThenFast(kafka);
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(WorkerConfig.of(vars), kafka.topics,
          kafka.kafkaProps(), sealer, new SimpleMeterRegistry())) {
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).until(() -> refreshedFast(kafka.outcomes()) == FAST);
        double seconds = (System.nanoTime() - start) / 1e9;
        // The slow call is still held by the stub: nothing of it has been answered.
        assertThat(stub.slowWaiting()).isEqualTo(1);
        assertThat(stub.spent("slow-1")).isFalse();
        assertThat(kafka.outcomes()).noneMatch(r -> r.key().equals("conn-slow"));
        System.out.printf("in flight: %d answers published %.2f s after start while the call at offset 0 was held%n",
            FAST, seconds);

        // The committed offset stays at the slow command; its metadata names the answered ones.
        await().atMost(Duration.ofSeconds(10)).until(() -> answeredAtZero(kafka, vars.get("TOKENWARDEN_WORKER_GROUP_ID")),
            answered -> answered.size() == FAST && answered.first() == 1L);

        await().atMost(Duration.ofSeconds(30)).until(() -> !worker.isLive());
        stub.releaseSlow();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().stream()
            .anyMatch(r -> r.key().equals("conn-slow")));
        await().atMost(Duration.ofSeconds(10)).until(worker::isLive);
        assertThat(RefreshWorkerIT.commandIds(kafka.outcomes())).hasSize(FAST + 1).doesNotHaveDuplicates();
        assertThat(kafka.outcomes().stream().filter(r -> r.key().equals("conn-slow")).findFirst().orElseThrow()
            .value().getPayload()).isInstanceOf(TokenRefreshed.class);
        await().atMost(Duration.ofSeconds(10))
            .until(() -> committed(kafka, vars.get("TOKENWARDEN_WORKER_GROUP_ID")).offset() == FAST + 1);
      }
    }
  }

  @Test
  void a_worker_killed_with_sigkill_while_a_call_is_in_flight_is_replaced_without_replaying_a_spent_token()
      throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("worker-it-kill.", 1)) {
      String txId = "worker-it-kill-" + UUID.randomUUID();
      String group = "worker-it-kill-" + UUID.randomUUID();
      Map<String, String> vars = vars(txId, group);
      sendSlowThenFast(kafka);

      Process child = startChild(kafka, vars);
      try {
        await().atMost(Duration.ofSeconds(90)).until(() -> refreshedFast(kafka.outcomes()) == FAST);
        assertThat(stub.slowWaiting()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> answeredAtZero(kafka, group),
            answered -> answered.size() == FAST && answered.first() == 1L);
      } finally {
        child.destroyForcibly(); // SIGKILL
        child.waitFor();
      }
      assertThat(child.exitValue()).isNotZero();
      // The provider answers the call of the dead worker: that refresh token is spent, the answer lost.
      stub.releaseSlow();
      await().atMost(Duration.ofSeconds(30)).until(() -> stub.spent("slow-1"));

      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (RefreshWorkerRunner second = RefreshWorkerRunner.start(WorkerConfig.of(vars), kafka.topics,
          kafka.kafkaProps(), sealer, registry)) {
        await().atMost(Duration.ofSeconds(90)).until(() -> kafka.outcomes().stream()
            .anyMatch(r -> r.key().equals("conn-slow")));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
            .until(() -> kafka.outcomes().size() == FAST + 1);
        List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes = kafka.outcomes();
        assertThat(RefreshWorkerIT.commandIds(outcomes)).doesNotHaveDuplicates();
        int replays = 0;
        for (int i = 1; i <= FAST; i++) {
          replays += stub.calls("fast-" + i) - 1;
        }
        System.out.printf("sigkill: %d answers published before the kill, %d replays of their spent tokens after"
            + " the restart, %.0f commands skipped; the call in flight was made %d times%n", FAST, replays,
            registry.counter(WorkerMetrics.SKIPPED).count(), stub.calls("slow-1"));
        assertThat(replays).as("calls again with a spent refresh token").isZero();
        assertThat(registry.counter(WorkerMetrics.SKIPPED).count()).isEqualTo(FAST);
        // The documented window: the call in flight at the crash is made again, and its token was spent.
        assertThat(stub.calls("slow-1")).isEqualTo(2);
        RefreshFailed failed = (RefreshFailed) outcomes.stream().filter(r -> r.key().equals("conn-slow"))
            .findFirst().orElseThrow().value().getPayload();
        assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failed.getErrorCode()).isEqualTo("refresh_token_reused");
      }
    }
  }

  private Process startChild(BrokerFixture kafka, Map<String, String> vars) throws Exception {
    Path dataDir = Files.createTempDirectory("worker-child");
    Path log = Path.of("target", "worker-child-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), WorkerChild.class.getName());
    builder.environment().putAll(vars);
    builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap);
    builder.environment().put("TOKENWARDEN_TOPIC_PREFIX", kafka.prefix);
    builder.environment().put("TOKENWARDEN_PARTITIONS", "1");
    // The killed member leaves the group when its session expires; the broker allows 6 s at least.
    builder.environment().put("KAFKA_SESSION_TIMEOUT_MS", "6000");
    builder.environment().put("TOKENWARDEN_DATA_DIR", dataDir.toString());
    builder.environment().put("TOKENWARDEN_KEYSET", Keysets.toJson(KEYSET));
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    System.out.println("worker child log: " + new File(log.toString()).getAbsolutePath());
    return builder.start();
  }

  /** The answered offsets in the commit metadata if the committed offset is 0, else none. */
  private static NavigableSet<Long> answeredAtZero(BrokerFixture kafka, String group) throws Exception {
    OffsetAndMetadata committed = committed(kafka, group);
    return committed.offset() == 0 ? AnsweredOffsets.decode(0, committed.metadata()) : new java.util.TreeSet<>();
  }

  private static OffsetAndMetadata committed(BrokerFixture kafka, String group) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap))) {
      OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
          .get(new TopicPartition(kafka.topics.refreshCommands.name(), 0));
      return offset == null ? new OffsetAndMetadata(-1) : offset;
    }
  }
}
