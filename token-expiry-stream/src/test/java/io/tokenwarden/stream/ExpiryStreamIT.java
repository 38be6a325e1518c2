package io.tokenwarden.stream;

import io.tokenwarden.contracts.DeadLetters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The expiry stream on the real broker: timing, restart without loss or doubles, and the dead-letter topic. */
class ExpiryStreamIT {

  private static TokenLifecycleEvent issued(String connectionId, String provider, Instant expiresAt) {
    return TokenLifecycleEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setConnectionId(connectionId)
        .setProvider(provider)
        .setAccountId("acct-" + connectionId)
        .setOccurredAt(Instant.now())
        .setPayload(TokenIssued.newBuilder()
            .setCredentials(StreamFixture.sealed(connectionId))
            .setExpiresAt(expiresAt)
            .build())
        .build();
  }

  @Test
  void aTokenThatExpiresInSixSecondsIsExpiringThenExpiredOnTime() throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("expires-in-6-it");
        ExpiryStreamRunner runner = kafka.startRunner(Map.of("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT3S"))) {
      var expiry = kafka.reader(kafka.topics.expiry);
      var status = kafka.reader(kafka.topics.status);
      Instant issuedAt = Instant.now();
      Instant expiresAt = issuedAt.plusSeconds(6);
      kafka.send(issued("six", "facebook", expiresAt));

      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(expiry.poll()).hasSize(2));
      List<TokenExpiryEvent> events = expiry.values();
      assertThat(events).extracting(TokenExpiryEvent::getKind)
          .containsExactly(ExpiryKind.EXPIRING, ExpiryKind.EXPIRED);
      long expiringAt = expiry.records.get(0).receivedAt();
      long expiredAt = expiry.records.get(1).receivedAt();
      assertThat(expiringAt).isBetween(expiresAt.minusSeconds(3).toEpochMilli(),
          expiresAt.minusSeconds(3).toEpochMilli() + 2000);
      assertThat(expiredAt).isBetween(expiresAt.toEpochMilli(), expiresAt.toEpochMilli() + 2000);
      assertThat(events.get(1).getExpiresAt()).isEqualTo(expiresAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(status.poll()).extracting(r -> r.record().value().getState())
              .containsExactly(ConnectionState.CONNECTED, ConnectionState.EXPIRING, ConnectionState.EXPIRED));
      List<ConnectionStatus> statuses = status.values();
      assertThat(statuses).extracting(ConnectionStatus::getAttention).containsExactly(false, true, true);
      assertThat(status.records.get(2).receivedAt()).isBetween(expiresAt.toEpochMilli(),
          expiresAt.toEpochMilli() + 2000);
      assertThat(runner.exitCode()).isZero();
    }
  }

  @Test
  void restartingBetweenIssueAndExpiryGivesEachEventExactlyOnce() throws Exception {
    try (BrokerFixture kafka = new BrokerFixture("restart-it")) {
      Map<String, String> env = Map.of("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT6S");
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      var expiry = kafka.reader(kafka.topics.expiry);
      Instant expiresAt = Instant.now().plusSeconds(12);
      ExpiryStreamRunner first = kafka.startRunner(env, registry);
      try {
        kafka.send(issued("restart", "facebook", expiresAt));
        kafka.send(issued("other", "facebook", expiresAt.plusSeconds(2)));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(expiry.poll()).extracting(r -> r.record().value().getKind())
                .contains(ExpiryKind.EXPIRING));
      } finally {
        first.close(Duration.ofSeconds(30));
      }
      assertThat(first.exitCode()).isZero();
      assertThat(expiry.poll()).extracting(r -> r.record().value().getKind()).doesNotContain(ExpiryKind.EXPIRED);

      // A fresh state directory: the second instance restores the connections from their changelog and rebuilds
      // the deadline index from them.
      try (ExpiryStreamRunner second = kafka.startRunner(env, registry)) {
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
            assertThat(expiry.poll()).extracting(r -> r.record().value().getKind())
                .filteredOn(k -> k == ExpiryKind.EXPIRED).hasSize(2));
        // Give a doubled timer every chance to show up.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(expiry.poll()).hasSize(4));
        // The gauges of the same registry count what the second instance restored, not both instances.
        assertThat(registry.find(ExpiryMetrics.TIMERS_PENDING).gauge().value()).isZero();
        assertThat(registry.find(ExpiryMetrics.CONNECTIONS).tags("state", "EXPIRED", "provider", "facebook")
            .gauge().value()).isEqualTo(2);
        assertThat(second.exitCode()).isZero();
      }
      Map<String, Long> byEventId = expiry.values().stream()
          .collect(Collectors.groupingBy(TokenExpiryEvent::getEventId, Collectors.counting()));
      assertThat(byEventId).hasSize(4).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
      assertThat(expiry.values()).extracting(e -> e.getConnectionId() + ":" + e.getKind())
          .containsExactlyInAnyOrder("restart:EXPIRING", "restart:EXPIRED", "other:EXPIRING", "other:EXPIRED");
    }
  }

  @Test
  void aGarbageRecordLandsInTheDeadLetterTopicWhileProcessingContinues() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (BrokerFixture kafka = new BrokerFixture("dlq-it");
        ExpiryStreamRunner runner = kafka.startRunner(Map.of(), registry)) {
      var deadLetters = kafka.reader(kafka.topics.lifecycleDlq);
      var status = kafka.reader(kafka.topics.status);
      byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
      kafka.sendRaw("garbage".getBytes(StandardCharsets.UTF_8), garbage);
      kafka.send(issued("unknown", "myspace", Instant.now().plus(Duration.ofDays(1))));
      kafka.send(issued("fine", "x", Instant.now().plus(Duration.ofHours(2))));

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(deadLetters.poll()).hasSize(2);
        assertThat(status.poll()).extracting(r -> r.record().key()).containsExactly("fine");
      });
      Map<String, byte[]> byReason = deadLetters.records.stream().map(BrokerFixture.Reader.Received::record)
          .collect(Collectors.toMap(r -> header(r.headers().lastHeader(DeadLetters.REASON)), r -> r.value()));
      assertThat(byReason).containsOnlyKeys("undecodable", "unknown_provider");
      assertThat(byReason.get("undecodable")).isEqualTo(garbage);
      var undecodable = deadLetters.records.stream().map(BrokerFixture.Reader.Received::record)
          .filter(r -> header(r.headers().lastHeader(DeadLetters.REASON)).equals("undecodable")).findFirst().get();
      assertThat(header(undecodable.headers().lastHeader(DeadLetters.TOPIC))).isEqualTo(kafka.topics.lifecycle.name());
      assertThat(registry.find(ExpiryMetrics.DEAD_LETTERS).tag("reason", "undecodable").counter().count())
          .isEqualTo(1);
      assertThat(runner.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
  }

  private static String header(Header header) {
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
