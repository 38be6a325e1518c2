package io.tokenwarden.worker;

import io.tokenwarden.contracts.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker on the real broker: permanent failures, and a crash between the provider's answer and the commit. */
class RefreshWorkerIT {

  private static final WireMockServer stub = new WireMockServer(WireMockConfiguration.options().dynamicPort());
  private static final CredentialSealer sealer = new CredentialSealer(Keysets.generate());

  @BeforeAll
  static void startStub() {
    stub.start();
  }

  @AfterAll
  static void stopStub() {
    stub.stop();
  }

  private static WorkerConfig config(String provider, String path, String transactionalId, String group) {
    Map<String, String> vars = new HashMap<>();
    String key = "TOKENWARDEN_PROVIDER_" + provider.toUpperCase();
    vars.put(key + "_CLIENT_ID", provider + "-client");
    vars.put(key + "_CLIENT_SECRET", provider + "-secret");
    vars.put(key + "_TOKEN_URL", stub.baseUrl() + path);
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", transactionalId);
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", group);
    vars.put("TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT", "PT10S");
    return WorkerConfig.of(vars);
  }

  @Test
  void a_graceful_close_finishes_the_call_in_flight_and_commits_its_result() throws Exception {
    stub.stubFor(post("/linkedin-slow/token").willReturn(okJson(
        "{\"access_token\": \"slow-new-access\", \"expires_in\": 5184000}").withFixedDelay(3000)));
    try (BrokerFixture kafka = new BrokerFixture("worker-it-close.", 1)) {
      WorkerConfig config = config("linkedin", "/linkedin-slow/token", "worker-it-close-" + UUID.randomUUID(),
          "worker-it-close-" + UUID.randomUUID());
      RefreshWorkerRunner worker = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          new SimpleMeterRegistry());
      kafka.send(Commands.command(sealer, "conn-slow", "linkedin", "old-access", "slow-refresh", 3, 1));
      kafka.flush();
      // The provider has the request and takes 3 s to answer: close now.
      await().atMost(Duration.ofSeconds(60))
          .until(() -> stub.findAll(postRequestedFor(urlEqualTo("/linkedin-slow/token"))).size() == 1);
      assertThat(worker.close(Duration.ofSeconds(20))).as("stopped within the timeout").isTrue();
      assertThat(worker.isLive()).isFalse();
      assertThat(worker.exitCode()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> kafka.outcomes().size() == 1);
      TokenRefreshed refreshed = (TokenRefreshed) kafka.outcomes().get(0).value().getPayload();
      assertThat(refreshed.getGeneration()).isEqualTo(3);
      assertThat(sealer.open("conn-slow", refreshed.getCredentials()).accessToken()).isEqualTo("slow-new-access");
    }
  }

  @Test
  void an_undecodable_command_goes_to_the_dead_letter_topic_and_the_next_one_is_handled() throws Exception {
    stub.stubFor(post("/linkedin-dlq/token").willReturn(aResponse().withStatus(400)
        .withBody("{\"error\": \"invalid_grant\"}")));
    try (BrokerFixture kafka = new BrokerFixture("worker-it-dlq.", 1)) {
      WorkerConfig config = config("linkedin", "/linkedin-dlq/token", "worker-it-dlq-" + UUID.randomUUID(),
          "worker-it-dlq-" + UUID.randomUUID());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      byte[] garbage = "not a refresh command".getBytes(StandardCharsets.UTF_8);
      try (var raw = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrap),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        raw.send(new ProducerRecord<>(kafka.topics.refreshCommands.name(), "conn-garbage".getBytes(), garbage)).get();
      }
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          registry)) {
        kafka.send(Commands.command(sealer, "conn-after", "linkedin", "a", "refresh", 1, 1));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().size() == 1);
        assertThat(kafka.outcomes().get(0).key()).isEqualTo("conn-after");
      }
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrap, "group.id", "dlq-" + UUID.randomUUID(),
          "auto.offset.reset", "earliest", "isolation.level", "read_committed");
      try (var dlq = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        dlq.subscribe(List.of(kafka.topics.lifecycleDlq.name()));
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
          return !dead.isEmpty();
        });
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("conn-garbage");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
            .isEqualTo("undecodable");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.TOPIC).value(), StandardCharsets.UTF_8))
            .isEqualTo(kafka.topics.refreshCommands.name());
      }
      assertThat(registry.counter("tokenwarden.dead.letters", "reason", "undecodable").count()).isEqualTo(1);
    }
  }

  @Test
  void a_provider_that_always_fails_permanently_gets_a_permanent_refresh_failed() throws Exception {
    stub.stubFor(post("/linkedin-dead/token").willReturn(aResponse().withStatus(400)
        .withBody("{\"error\": \"invalid_grant\", \"error_description\": \"The token has been revoked\"}")));
    try (BrokerFixture kafka = new BrokerFixture("worker-it-perm.", 2)) {
      WorkerConfig config = config("linkedin", "/linkedin-dead/token", "worker-it-perm-" + UUID.randomUUID(),
          "worker-it-perm-" + UUID.randomUUID());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          registry)) {
        kafka.send(Commands.command(sealer, "conn-dead", "linkedin", "a", "revoked-refresh", 4, 2));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().size() == 1);
        ConsumerRecord<String, TokenLifecycleEvent> record = kafka.outcomes().get(0);
        assertThat(record.key()).isEqualTo("conn-dead");
        RefreshFailed failed = (RefreshFailed) record.value().getPayload();
        assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failed.getErrorCode()).isEqualTo("invalid_grant");
        assertThat(failed.getGeneration()).isEqualTo(4);
        assertThat(failed.getAttempt()).isEqualTo(2);
        assertThat(record.value().getProvider()).isEqualTo("linkedin");
        assertThat(worker.isReady()).isTrue();
        assertThat(worker.isLive()).isTrue();
        assertThat(registry.get(WorkerMetrics.ATTEMPTS).tags("provider", "linkedin", "outcome", "permanent",
            "error", "invalid_grant").counter().count()).isEqualTo(1.0);
      }
    }
  }

  /**
   * The crash window: X answered with a rotated refresh token, then the worker died before its transaction
   * committed. The restarted worker re-runs the command; X refuses the used refresh token; the worker publishes
   * PERMANENT refresh_token_reused. A read_committed reader sees exactly one outcome for the command.
   */
  @Test
  void a_crash_between_the_answer_and_the_commit_ends_in_refresh_token_reused_published_once() throws Exception {
    String scenario = "single-use-" + UUID.randomUUID();
    stub.stubFor(post("/x-rotating/token").inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
        .withRequestBody(containing("refresh_token=x-refresh-1"))
        .willReturn(okJson("{\"token_type\": \"bearer\", \"expires_in\": 7200, \"access_token\": \"x-access-2\","
            + " \"refresh_token\": \"x-refresh-2\"}"))
        .willSetStateTo("used"));
    stub.stubFor(post("/x-rotating/token").inScenario(scenario).whenScenarioStateIs("used")
        .willReturn(aResponse().withStatus(400).withBody(
            "{\"error\": \"invalid_grant\", \"error_description\": \"Value passed for the token was invalid.\"}")));
    try (BrokerFixture kafka = new BrokerFixture("worker-it-crash.", 2)) {
      String txId = "worker-it-crash-" + UUID.randomUUID();
      String group = "worker-it-crash-" + UUID.randomUUID();
      WorkerConfig config = config("x", "/x-rotating/token", txId, group);
      kafka.send(Commands.command(sealer, "conn-x", "x", "x-access-1", "x-refresh-1", 1, 1));
      kafka.flush();

      AtomicBoolean crashed = new AtomicBoolean();
      RefreshWorkerRunner first = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          new SimpleMeterRegistry(), Map.of(), results -> {
            if (results > 0) {
              crashed.set(true);
              throw new IllegalStateException("simulated crash: the process dies before commitTransaction");
            }
          });
      assertThat(first.awaitTermination(Duration.ofSeconds(60))).isTrue();
      assertThat(crashed).isTrue();
      assertThat(first.exitCode()).isEqualTo(1);
      stub.verify(1, postRequestedFor(urlEqualTo("/x-rotating/token")));

      try (RefreshWorkerRunner second = RefreshWorkerRunner.start(config, kafka.topics, kafka.kafkaProps(), sealer,
          new SimpleMeterRegistry())) {
        await().atMost(Duration.ofSeconds(90)).until(() -> !kafka.outcomes().isEmpty());
        stub.verify(2, postRequestedFor(urlEqualTo("/x-rotating/token")));
        RefreshFailed failed = (RefreshFailed) kafka.outcomes().get(0).value().getPayload();
        assertThat(failed.getKind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failed.getErrorCode()).isEqualTo("refresh_token_reused");
        assertThat(failed.getCommandId()).isEqualTo("cmd-conn-x-1-1");
        // Nothing else arrives: the aborted TokenRefreshed stays invisible to read_committed readers.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
            .until(() -> kafka.outcomes().size() == 1);
        assertThat(kafka.outcomes()).noneMatch(r -> r.value().getPayload() instanceof TokenRefreshed);
      }
    }
  }

  static List<String> commandIds(List<ConsumerRecord<String, TokenLifecycleEvent>> outcomes) {
    return outcomes.stream().map(r -> r.value().getPayload() instanceof TokenRefreshed t ? t.getCommandId()
        : ((RefreshFailed) r.value().getPayload()).getCommandId()).toList();
  }
}
