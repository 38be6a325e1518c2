package io.tokenwarden.stream;

import static io.tokenwarden.stream.StreamFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.stream.processor.ConnectionProcessor;
import io.tokenwarden.stream.state.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever arrives or is stored, the task goes on: a record whose processing throws is dead-lettered by the
 * processing exception handler, a timer that throws is dropped and dead-lettered while the others fire, an
 * unreadable stored state is replaced by a reconnect, and a reason of any length is kept, truncated.
 */
class NoRecordStopsTheStreamTest {

  private static final byte[] GARBAGE = "not a connection state".getBytes(StandardCharsets.UTF_8);

  private final StreamFixture f = new StreamFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aRecordWhoseProcessingThrowsIsDeadLetteredWithTheExceptionClassAndTheNextRecordIsProcessed() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    f.statuses();
    // A bad rollback left bytes that no version of the serde reads.
    f.putRawState("c1", GARBAGE);
    TokenLifecycleEvent request = f.requested("c1");
    f.send(request);

    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo(DeadLetters.PROCESSING_ERROR);
    assertThat(header(dead, DeadLetters.EXCEPTION)).isEqualTo(SerializationException.class.getName());
    assertThat(header(dead, DeadLetters.MESSAGE)).as("the message may quote data; it is not kept").isNull();
    assertThat(header(dead, DeadLetters.TOPIC)).isEqualTo(f.topics.lifecycle.name());
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("c1");
    assertThat(f.topics.lifecycle.valueSerde().deserializer().deserialize("t", dead.value())).isEqualTo(request);
    assertThat(f.counter(ExpiryMetrics.DEAD_LETTERS, "reason", DeadLetters.PROCESSING_ERROR)).isEqualTo(1);
    assertThat(f.counter(ExpiryMetrics.STATE_UNDECODABLE)).isEqualTo(1);

    f.send(f.issued("c2", "x", f.now().plus(Duration.ofHours(2))));
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("c2");
  }

  @Test
  void aReconnectReplacesAnUnreadableStateAndARemovalDeletesIt() {
    f.putRawState("c1", GARBAGE);
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    Connection stored = (Connection) f.driver.getKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE).get("c1");
    assertThat(stored.generation()).isEqualTo(status.getGeneration());

    f.putRawState("c2", GARBAGE);
    f.send(f.removed("c2"));
    List<TestRecord<String, ConnectionStatus>> records = f.statuses();
    assertThat(records).hasSize(1);
    assertThat(records.get(0).value()).as("a tombstone").isNull();
    assertThat(f.driver.getKeyValueStore(ConnectionProcessor.CONNECTIONS_STORE).get("c2")).isNull();
    assertThat(f.deadLetters.isEmpty()).isTrue();
    assertThat(f.counter(ExpiryMetrics.STATE_UNDECODABLE)).isEqualTo(2);
  }

  @Test
  void aTimerWhoseFiringThrowsIsDroppedAndDeadLetteredOnceWhileTheOtherTimersFire() {
    Instant expiresAt = f.now().plus(Duration.ofDays(30));
    f.send(f.issued("broken", "facebook", expiresAt));
    f.send(f.issued("fine", "facebook", expiresAt));
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isEqualTo(4);
    f.putRawState("broken", GARBAGE);

    f.advanceTo(expiresAt.minus(Duration.ofDays(7)));
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getConnectionId, TokenExpiryEvent::getKind)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("fine", ExpiryKind.EXPIRING));
    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo(DeadLetters.TIMER_ERROR);
    assertThat(header(dead, DeadLetters.EXCEPTION)).isEqualTo(SerializationException.class.getName());
    assertThat(header(dead, DeadLetters.DETAIL)).contains("WARN");
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("broken");
    assertThat(dead.value()).isNull();
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).as("the broken WARN is gone, its EXPIRE waits").isEqualTo(2);

    f.advance(Duration.ofSeconds(5));
    assertThat(f.deadLetters.isEmpty()).as("a dropped timer is not retried").isTrue();
    assertThat(f.counter(ExpiryMetrics.DEAD_LETTERS, "reason", DeadLetters.TIMER_ERROR)).isEqualTo(1);
  }

  @Test
  void aSeventyThousandCharacterRevokeReasonIsKeptTruncatedWithAMarker() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    String reason = "the user said: " + "x".repeat(70_000);
    f.send(f.revoked("c1", reason));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.REVOKED);
    assertThat(status.getAttention()).isTrue();
    assertThat(status.getReason()).hasSize(FieldLimits.REVOKE_REASON).startsWith("the user said: xxx")
        .endsWith(FieldLimits.TRUNCATION_MARKER);
    assertThat(f.deadLetters.isEmpty()).isTrue();
    f.send(f.issued("c2", "x", f.now().plus(Duration.ofHours(2))));
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("c2");
  }
}
