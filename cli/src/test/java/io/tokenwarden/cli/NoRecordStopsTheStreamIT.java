package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measured defect, replayed as a user did it: {@code publish revoked} with a 70,000-character reason stopped
 * the stream for good. Now, on the real broker, the reason is kept truncated; a record whose processing throws
 * (its connection's stored state is garbage, as a bad rollback leaves it in the changelog) and an upstream event
 * with a 70,000-character field are dead-lettered with their reasons; and the next connection's
 * {@code TokenIssued} is processed, with the stream live throughout.
 */
class NoRecordStopsTheStreamIT {

  @Test
  void neitherAHugeFieldNorARecordWhoseProcessingThrowsStopsTheStream(@TempDir Path dataDir) throws Exception {
    try (RunningSystem system = new RunningSystem("no-stop-it", dataDir, Map.of())) {
      // Before the stream starts: garbage for w-broken in its connections store's changelog, on the partition
      // its events go to (same key bytes, same partition count, Kafka's default partitioner).
      String changelog = system.applicationId + "-expiry-connections-changelog";
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", system.bootstrap))) {
        admin.createTopics(List.of(new NewTopic(changelog, 2, (short) 1)
            .configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
      }
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", system.bootstrap),
          new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(changelog, "w-broken",
            "rolled back from the future".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      }
      system.start(true, false);
      String base = "http://localhost:" + system.services().ops.port();
      await().atMost(Duration.ofSeconds(60)).until(() -> get(base + "/health/ready") == 200);

      assertThat(system.cli("publish", "issued", "--connection", "w-1", "--provider", "x", "--account", "a1",
          "--access-token", "tok-w-1", "--expires-in", "7200").exitCode()).isZero();
      CliRun revoke = system.cli("publish", "revoked", "--connection", "w-1", "--reason", "x".repeat(70_000));
      assertThat(revoke.exitCode()).as(revoke.err()).isZero();
      assertThat(system.cli("refresh", "--connection", "w-broken").exitCode()).isZero();
      // An upstream service that bypasses the publisher: a 70,000-character account id.
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", system.bootstrap),
          system.topics.lifecycle.keySerde().serializer(), system.topics.lifecycle.valueSerde().serializer())) {
        producer.send(new ProducerRecord<>(system.topics.lifecycle.name(), "w-huge", hugeAccount("w-huge")))
            .get(30, TimeUnit.SECONDS);
      }
      assertThat(system.cli("publish", "issued", "--connection", "w-next", "--provider", "x", "--account", "a2",
          "--access-token", "tok-w-next", "--expires-in", "7200").exitCode()).isZero();

      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        List<ConnectionStatus> next = system.statuses("w-next");
        assertThat(next).isNotEmpty();
        assertThat(next.get(next.size() - 1).getState()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(reasons(system.deadLetters())).containsAll(Set.of(DeadLetters.PROCESSING_ERROR,
            DeadLetters.TOO_LARGE));
      });
      List<ConnectionStatus> revoked = system.statuses("w-1");
      ConnectionStatus last = revoked.get(revoked.size() - 1);
      assertThat(last.getState()).isEqualTo(ConnectionState.REVOKED);
      assertThat(last.getAttention()).isTrue();
      assertThat(last.getReason()).hasSize(FieldLimits.REVOKE_REASON).endsWith(FieldLimits.TRUNCATION_MARKER);

      Map<String, ConsumerRecord<byte[], byte[]>> byReason = system.deadLetters().stream()
          .collect(Collectors.toMap(r -> header(r, DeadLetters.REASON), r -> r, (a, b) -> a));
      ConsumerRecord<byte[], byte[]> threw = byReason.get(DeadLetters.PROCESSING_ERROR);
      assertThat(new String(threw.key(), StandardCharsets.UTF_8)).isEqualTo("w-broken");
      assertThat(header(threw, DeadLetters.EXCEPTION)).isEqualTo(
          "org.apache.kafka.common.errors.SerializationException");
      assertThat(header(threw, DeadLetters.MESSAGE)).isNull();
      assertThat(header(byReason.get(DeadLetters.TOO_LARGE), DeadLetters.DETAIL))
          .isEqualTo("accountId is 70000 characters; at most 255");
      assertThat(get(base + "/health/live")).isEqualTo(200);
      assertThat(system.services().fatalExitCode()).isZero();
      String metrics = body(base + "/metrics");
      assertThat(metrics).contains("tokenwarden_dead_letters_total{application=\"tokenwarden-stream\","
          + "reason=\"processing_error\"} 1.0");
      assertThat(metrics).contains("tokenwarden_connection_state_undecodable_total{application="
          + "\"tokenwarden-stream\"} 2.0");
    }
  }

  private static TokenLifecycleEvent hugeAccount(String connection) {
    return TokenLifecycleEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setConnectionId(connection)
        .setProvider("x")
        .setAccountId("a".repeat(70_000))
        .setOccurredAt(Instant.now())
        .setPayload(TokenIssued.newBuilder()
            .setCredentials(new SealedCredentials("1", ByteBuffer.wrap(new byte[] {1, 2, 3}), false))
            .setExpiresAt(Instant.now().plus(Duration.ofHours(2)))
            .build())
        .build();
  }

  private static Set<String> reasons(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> header(r, DeadLetters.REASON)).collect(Collectors.toSet());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static int get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String body(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
