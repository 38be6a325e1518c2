package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.processor.ConnectionProcessor;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.FiredThrough;
import io.tokenwarden.stream.state.TimerKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

/**
 * What the whole topology writes when timers fire: a warning or expiry whose firing only marks it fired sends its
 * event and status, one fired-through cursor record per punctuation, and no connection record; a firing that
 * changes more (a refresh command) still rewrites the connection.
 */
class FiredTimerWritesTest {

  private static final String CONNECTIONS_CHANGELOG =
      ExpiryConfig.DEFAULT_APPLICATION_ID + "-" + ConnectionProcessor.CONNECTIONS_STORE + "-changelog";
  private static final String CURSOR_CHANGELOG =
      ExpiryConfig.DEFAULT_APPLICATION_ID + "-" + ConnectionProcessor.FIRED_THROUGH_STORE + "-changelog";

  @Test
  void aBurstOfExpiriesWritesOneCursorRecordAndNoConnectionRecords() {
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT10M"))) {
      TestOutputTopic<byte[], byte[]> connections = changelog(f, CONNECTIONS_CHANGELOG);
      TestOutputTopic<byte[], byte[]> cursor = changelog(f, CURSOR_CHANGELOG);
      Instant expiresAt = f.now().plus(Duration.ofMinutes(5));
      for (int i = 0; i < 50; i++) {
        f.send(f.issued(String.format("c%02d", i), "facebook", expiresAt));
      }
      assertThat(connections.getQueueSize()).as("one record per TokenIssued").isEqualTo(50);
      connections.readRecordsToList();
      assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).as("issued inside the warning window")
          .containsOnly(ExpiryKind.EXPIRING).hasSize(50);
      f.statuses();

      f.advanceTo(expiresAt);
      assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsOnly(ExpiryKind.EXPIRED).hasSize(50);
      assertThat(f.statuses()).extracting(r -> r.value().getState()).containsOnly(ConnectionState.EXPIRED).hasSize(50);
      assertThat(connections.getQueueSize()).as("no connection record rewritten").isZero();
      assertThat(cursor.getQueueSize()).as("one cursor record for the punctuation").isEqualTo(1);
      Connection stored = f.driver.<String, Connection>getKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE)
          .get("c49");
      assertThat(stored.hasFired(TimerKind.EXPIRE)).isFalse();
      assertThat(f.driver.<String, FiredThrough>getKeyValueStore(ConnectionProcessor.FIRED_THROUGH_STORE)
          .get("cursor")).isEqualTo(new FiredThrough(expiresAt.toEpochMilli(), "c49", TimerKind.EXPIRE));

      // A later event of the connection starts from the fired state: a revocation shows REVOKED (not a second
      // EXPIRED) and writes the record with the expiry marked.
      f.advance(Duration.ofMinutes(1));
      f.send(f.revoked("c07"));
      assertThat(f.expiryEvents()).isEmpty();
      List<ConnectionStatus> after = f.statuses().stream().map(r -> r.value()).toList();
      assertThat(after).extracting(ConnectionStatus::getState).containsExactly(ConnectionState.REVOKED);
      assertThat(f.driver.<String, Connection>getKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE).get("c07")
          .hasFired(TimerKind.EXPIRE)).isTrue();
      assertThat(connections.getQueueSize()).isEqualTo(1);
    }
  }

  @Test
  void aTimerThatCommandsARefreshStillRewritesItsConnection() {
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_PROVIDER_ACME_TYPE", "oauth2"))) {
      TestOutputTopic<byte[], byte[]> connections = changelog(f, CONNECTIONS_CHANGELOG);
      Instant expiresAt = f.now().plus(Duration.ofHours(1));
      f.send(f.issued("c1", "acme", expiresAt));
      connections.readRecordsToList();
      f.advanceTo(expiresAt.minus(Duration.ofMinutes(4)));
      assertThat(f.refreshCommands()).hasSize(1);
      assertThat(connections.getQueueSize()).as("the outstanding command is a fact to keep").isEqualTo(1);
    }
  }

  private static TestOutputTopic<byte[], byte[]> changelog(StreamFixture f, String topic) {
    return f.driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
