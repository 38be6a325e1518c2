package io.tokenwarden.stream;

import io.tokenwarden.contracts.DeadLetters;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Undecodable and invalid records go to the dead-letter topic with a reason, and processing continues. */
class DeadLetterTest {

  private final StreamFixture f = new StreamFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void undecodableRecordsGoToTheDeadLetterTopicThroughKafkaStreamsDeadLetterSupport() {
    byte[] garbage = {0x01, 0x02, 0x03};
    f.rawLifecycle.pipeInput("c1".getBytes(StandardCharsets.UTF_8), garbage, f.now());
    f.send(f.issued("c2", "x", f.now().plus(Duration.ofHours(1))));

    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(dead.value()).isEqualTo(garbage);
    assertThat(dead.key()).isEqualTo("c1".getBytes(StandardCharsets.UTF_8));
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo("undecodable");
    assertThat(header(dead, DeadLetters.TOPIC)).isEqualTo(f.topics.lifecycle.name());
    assertThat(header(dead, DeadLetters.OFFSET)).isEqualTo("0");
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("c2");
    assertThat(f.counter(ExpiryMetrics.DEAD_LETTERS, "reason", "undecodable")).isEqualTo(1);
  }

  @Test
  void anUnknownProviderIsADeadLetter() {
    assertDeadLetter(f.issued("c1", "myspace", f.now().plus(Duration.ofDays(1))), "unknown_provider");
  }

  @Test
  void anExpiryInSecondsInsteadOfMillisIsADeadLetter() {
    Instant inSeconds = Instant.ofEpochMilli(f.now().getEpochSecond() + 3600);
    assertDeadLetter(f.issued("c1", "x", inSeconds), "expires_at_out_of_range");
  }

  @Test
  void anExpiryMoreThanTenYearsAheadIsADeadLetter() {
    assertDeadLetter(f.issued("c1", "x", f.now().plus(Duration.ofDays(3660 + 5))), "expires_at_out_of_range");
  }

  @Test
  void aMissingPayloadIsADeadLetter() {
    TokenLifecycleEvent event = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    event.setPayload(null);
    assertDeadLetter(event, "missing_payload");
  }

  @Test
  void aTokenIssuedWithoutProviderOrAccountIsADeadLetter() {
    TokenLifecycleEvent noProvider = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    noProvider.setProvider(null);
    assertDeadLetter(noProvider, "missing_provider");
    TokenLifecycleEvent noAccount = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    noAccount.setAccountId(null);
    assertDeadLetter(noAccount, "missing_account_id");
  }

  @Test
  void aKeyThatIsNotTheConnectionIdIsADeadLetter() {
    TokenLifecycleEvent event = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    f.lifecycle.pipeInput("other", event, f.now());
    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo("key_mismatch");
  }

  private void assertDeadLetter(TokenLifecycleEvent event, String reason) {
    f.send(event);
    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo(reason);
    assertThat(header(dead, DeadLetters.DETAIL)).isNotBlank();
    TokenLifecycleEvent decoded = f.topics.lifecycle.valueSerde().deserializer().deserialize("t", dead.value());
    assertThat(decoded).isEqualTo(event);
    assertThat(f.statuses()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.DEAD_LETTERS, "reason", reason)).isPositive();
    // Processing continues.
    f.send(f.issued("next-" + reason, "x", f.now().plus(Duration.ofHours(1))));
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("next-" + reason);
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

}
