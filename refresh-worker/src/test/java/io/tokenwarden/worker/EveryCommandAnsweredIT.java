package io.tokenwarden.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import io.tokenwarden.worker.provider.TokenEndpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever goes wrong with one command, it gets an answer the stream can act on (TRANSIENT {@code handler_error})
 * and the partition moves on; what cannot be answered goes to the dead-letter topic with its reason.
 */
class EveryCommandAnsweredIT {

  private static final CredentialSealer sealer = new CredentialSealer(Keysets.generate());

  private ProviderStub stub;

  @BeforeEach
  void startStub() throws Exception {
    stub = new ProviderStub();
  }

  @AfterEach
  void stopStub() {
    stub.close();
  }

  private WorkerConfig config(String name) {
    Map<String, String> vars = new HashMap<>(stub.providerVars("single"));
    vars.putAll(stub.providerVars("boom"));
    vars.put("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", name + "-" + UUID.randomUUID());
    vars.put("TOKENWARDEN_WORKER_GROUP_ID", name + "-" + UUID.randomUUID());
    vars.put("TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT", "PT10S");
    return WorkerConfig.of(vars);
  }

  private static ConsumerRecord<String, TokenLifecycleEvent> outcomeOf(BrokerFixture kafka, String connection) {
    return kafka.outcomes().stream().filter(r -> r.key().equals(connection)).findFirst().orElseThrow();
  }

  private static double deadLetters(SimpleMeterRegistry registry, String reason) {
    return registry.counter(WorkerMetrics.DEAD_LETTERS, "reason", reason).count();
  }

  @Test
  void a_handler_that_throws_answers_transient_handler_error_and_dead_letters_the_command() throws Exception {
    // An Error escapes the handler's own error handling, as a bug would.
    TokenEndpoint throwing = credentials -> {
      throw new AssertionError("a bug in the handler");
    };
    try (BrokerFixture kafka = new BrokerFixture("worker-it-throw.", 1)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RefreshCommand bad = Commands.command(sealer, "conn-boom", "boom", "a", "boom-1", 7, 3);
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config("worker-it-throw"), kafka.topics,
          kafka.kafkaProps(), sealer, registry, Map.of("boom", throwing), RefreshWorker.CommitHook.NONE)) {
        kafka.send(bad);
        kafka.send(Commands.command(sealer, "conn-after", "single", "a", "fast-after", 1, 1));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().size() == 2);
        RefreshFailed failed = (RefreshFailed) outcomeOf(kafka, "conn-boom").value().getPayload();
        assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failed.getErrorCode()).isEqualTo("handler_error");
        assertThat(failed.getCommandId()).isEqualTo(bad.getCommandId());
        assertThat(failed.getGeneration()).isEqualTo(7);
        assertThat(failed.getAttempt()).isEqualTo(3);
        assertThat(outcomeOf(kafka, "conn-after").value().getPayload()).isInstanceOf(TokenRefreshed.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> dead = kafka.deadLetters().get(0);
        assertThat(BrokerFixture.reason(dead)).isEqualTo(DeadLetters.HANDLER_ERROR);
        assertThat(kafka.topics.refreshCommands.valueSerde().deserializer()
            .deserialize(kafka.topics.refreshCommands.name(), dead.value()).getCommandId()).isEqualTo(bad.getCommandId());
        assertThat(deadLetters(registry, DeadLetters.HANDLER_ERROR)).isEqualTo(1);
        assertThat(registry.get(WorkerMetrics.ATTEMPTS).tags("provider", "boom", "outcome", "transient",
            "error", "handler_error").counter().count()).isEqualTo(1);
        assertThat(worker.isLive()).isTrue();
      }
    }
  }

  @Test
  void a_command_without_a_value_is_dead_lettered_as_null_value_and_counted() throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("worker-it-null.", 1)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (var raw = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrap),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        raw.send(new ProducerRecord<>(kafka.topics.refreshCommands.name(), "conn-null".getBytes(), null)).get();
      }
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config("worker-it-null"), kafka.topics,
          kafka.kafkaProps(), sealer, registry)) {
        // Created at 0 before the first one.
        assertThat(deadLetters(registry, DeadLetters.NULL_VALUE)).isZero();
        kafka.send(Commands.command(sealer, "conn-after", "single", "a", "fast-after", 1, 1));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().size() == 1);
        assertThat(kafka.outcomes().get(0).key()).isEqualTo("conn-after");
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> dead = kafka.deadLetters().get(0);
        assertThat(BrokerFixture.reason(dead)).isEqualTo(DeadLetters.NULL_VALUE);
        assertThat(new String(dead.key())).isEqualTo("conn-null");
        assertThat(dead.value()).isNull();
        assertThat(deadLetters(registry, DeadLetters.NULL_VALUE)).isEqualTo(1);
        // Nothing else was answered: a record without a command has no command id to answer.
        assertThat(kafka.outcomes()).hasSize(1);
      }
    }
  }

  @Test
  void an_answer_too_large_to_publish_is_answered_transient_and_the_command_dead_lettered_once() throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("worker-it-large.", 1)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Map<String, Object> props = kafka.kafkaProps();
      // The sealed ~12 KB access token does not fit; the command, its dead letter and a RefreshFailed do.
      props.put("max.request.size", 8_000);
      RefreshCommand huge = Commands.command(sealer, "conn-huge", "single", "a", "huge-1", 2, 1);
      try (RefreshWorkerRunner worker = RefreshWorkerRunner.start(config("worker-it-large"), kafka.topics, props,
          sealer, registry)) {
        kafka.send(huge);
        kafka.send(Commands.command(sealer, "conn-after", "single", "a", "fast-after", 1, 1));
        kafka.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.outcomes().size() == 2);
        RefreshFailed failed = (RefreshFailed) outcomeOf(kafka, "conn-huge").value().getPayload();
        assertThat(failed.getKind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failed.getErrorCode()).isEqualTo("handler_error");
        assertThat(failed.getCommandId()).isEqualTo(huge.getCommandId());
        assertThat(outcomeOf(kafka, "conn-after").value().getPayload()).isInstanceOf(TokenRefreshed.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> dead = kafka.deadLetters().get(0);
        assertThat(BrokerFixture.reason(dead)).isEqualTo(DeadLetters.TOO_LARGE);
        assertThat(kafka.topics.refreshCommands.valueSerde().deserializer()
            .deserialize(kafka.topics.refreshCommands.name(), dead.value()).getCommandId()).isEqualTo(huge.getCommandId());
        assertThat(deadLetters(registry, DeadLetters.TOO_LARGE)).isEqualTo(1);
        // The provider was called once: the unsendable answer was replaced, not retried with a new call.
        assertThat(stub.calls("huge-1")).isEqualTo(1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
            .until(() -> kafka.outcomes().size() == 2 && kafka.deadLetters().size() == 1);
        assertThat(worker.isLive()).isTrue();
      }
    }
  }
}
