package io.tokenwarden.stream;

import static io.tokenwarden.stream.StreamFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Undecodable and invalid upstream records go to the dead-letter topic with a reason, and processing continues.
 * Every string field has a limit; at the limit a record is accepted, past it dead-lettered as {@code too_large}.
 */
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
  void everyIdentifierOverItsLimitIsADeadLetterTooLarge() {
    String long256 = "i".repeat(FieldLimits.ID + 1);
    TokenLifecycleEvent eventId = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    eventId.setEventId(long256);
    assertDeadLetter(eventId, DeadLetters.TOO_LARGE);
    assertDeadLetter(f.issued(long256, "x", f.now().plus(Duration.ofDays(1))), DeadLetters.TOO_LARGE);
    TokenLifecycleEvent tenant = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    tenant.setTenantId(long256);
    assertDeadLetter(tenant, DeadLetters.TOO_LARGE);
    TokenLifecycleEvent account = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    account.setAccountId("a".repeat(70_000));
    assertDeadLetter(account, DeadLetters.TOO_LARGE);
    assertThat(lastDetail).isEqualTo("accountId is 70000 characters; at most 255");
    TokenLifecycleEvent provider = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    provider.setProvider("p".repeat(FieldLimits.PROVIDER + 1));
    assertDeadLetter(provider, DeadLetters.TOO_LARGE);
    TokenLifecycleEvent requestedBy = f.requested("c1");
    ((RefreshRequested) requestedBy.getPayload()).setRequestedBy(long256);
    assertDeadLetter(requestedBy, DeadLetters.TOO_LARGE);
  }

  @Test
  void credentialsAndScopesOverTheirLimitsAreDeadLettersTooLarge() {
    TokenLifecycleEvent ciphertext = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    ((TokenIssued) ciphertext.getPayload()).setCredentials(
        new SealedCredentials("1", ByteBuffer.wrap(new byte[FieldLimits.CIPHERTEXT_BYTES + 1]), true));
    assertDeadLetter(ciphertext, DeadLetters.TOO_LARGE);
    TokenLifecycleEvent keyId = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    ((TokenIssued) keyId.getPayload()).setCredentials(
        new SealedCredentials("9".repeat(FieldLimits.KEY_ID + 1), ByteBuffer.wrap(new byte[] {1}), true));
    assertDeadLetter(keyId, DeadLetters.TOO_LARGE);
    TokenLifecycleEvent scopes = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    ((TokenIssued) scopes.getPayload()).setScopes(Collections.nCopies(FieldLimits.SCOPES + 1, "read"));
    assertDeadLetter(scopes, DeadLetters.TOO_LARGE);
    TokenLifecycleEvent scope = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    ((TokenIssued) scope.getPayload()).setScopes(List.of("s".repeat(FieldLimits.SCOPE + 1)));
    assertDeadLetter(scope, DeadLetters.TOO_LARGE);
  }

  @Test
  void everyFieldAtItsLimitIsAccepted() {
    TokenLifecycleEvent event = f.issued("i".repeat(FieldLimits.ID), "x", f.now().plus(Duration.ofDays(1)));
    event.setEventId("e".repeat(FieldLimits.ID));
    event.setTenantId("t".repeat(FieldLimits.ID));
    event.setAccountId("a".repeat(FieldLimits.ID));
    ((TokenIssued) event.getPayload()).setCredentials(new SealedCredentials("9".repeat(FieldLimits.KEY_ID),
        ByteBuffer.wrap(new byte[FieldLimits.CIPHERTEXT_BYTES]), true));
    ((TokenIssued) event.getPayload()).setScopes(Collections.nCopies(FieldLimits.SCOPES, "s".repeat(FieldLimits.SCOPE)));
    f.send(event);
    assertThat(f.deadLetters.isEmpty()).isTrue();
    assertThat(f.lastStatus().getAccountId()).hasSize(FieldLimits.ID);
  }

  @Test
  void anOccurredAtOfZeroNegativeOrFarInTheFutureIsADeadLetter() {
    for (Instant occurredAt : List.of(Instant.EPOCH, Instant.ofEpochMilli(-1), Instant.ofEpochMilli(Long.MIN_VALUE),
        f.now().plus(Duration.ofDays(2)), Instant.ofEpochMilli(f.now().getEpochSecond()))) {
      TokenLifecycleEvent event = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
      event.setOccurredAt(occurredAt);
      assertDeadLetter(event, DeadLetters.OCCURRED_AT_OUT_OF_RANGE);
      TokenLifecycleEvent revoke = f.revoked("c1");
      revoke.setOccurredAt(occurredAt);
      assertDeadLetter(revoke, DeadLetters.OCCURRED_AT_OUT_OF_RANGE);
    }
    // A clock a few minutes ahead is no reason to refuse.
    TokenLifecycleEvent skewed = f.issued("skewed", "x", f.now().plus(Duration.ofDays(1)));
    skewed.setOccurredAt(f.now().plus(Duration.ofMinutes(5)));
    f.send(skewed);
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("skewed");
  }

  @Test
  void onlyATokenIssuedNeedsAKnownProviderTheOtherEventsUseTheStoredOne() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofDays(1))));
    TokenLifecycleEvent revoke = f.revoked("c1");
    revoke.setProvider("myspace");
    f.send(revoke);
    assertThat(f.deadLetters.isEmpty()).isTrue();
    var status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.REVOKED);
    assertThat(status.getProvider()).isEqualTo("x");
  }

  @Test
  void everyDeadLetterReasonIsCountedFromZeroBeforeTheFirstOne() {
    for (String reason : DeadLetters.STREAM_REASONS) {
      var counter = f.registry.find(ExpiryMetrics.DEAD_LETTERS).tag("reason", reason).counter();
      assertThat(counter).as("dead letters for %s", reason).isNotNull();
      assertThat(counter.count()).isZero();
    }
    assertThat(f.registry.find(ExpiryMetrics.REFRESH_COMMANDS).tags("reason", "RETRY", "provider", "pinterest")
        .counter()).isNotNull();
    assertThat(f.registry.find(ExpiryMetrics.REFRESH_COMMANDS_TIMED_OUT).tags("provider", "tiktok").counter())
        .isNotNull();
  }

  @Test
  void aKeyThatIsNotTheConnectionIdIsADeadLetter() {
    TokenLifecycleEvent event = f.issued("c1", "x", f.now().plus(Duration.ofDays(1)));
    f.lifecycle.pipeInput("other", event, f.now());
    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo("key_mismatch");
  }

  private String lastDetail;

  private void assertDeadLetter(TokenLifecycleEvent event, String reason) {
    f.send(event);
    TestRecord<byte[], byte[]> dead = f.deadLetters.readRecord();
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo(reason);
    lastDetail = header(dead, DeadLetters.DETAIL);
    assertThat(lastDetail).isNotBlank();
    TokenLifecycleEvent decoded = f.topics.lifecycle.valueSerde().deserializer().deserialize("t", dead.value());
    assertThat(decoded).isEqualTo(event);
    assertThat(f.statuses()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.DEAD_LETTERS, "reason", reason)).isPositive();
    // Processing continues.
    f.send(f.issued("next-" + reason, "x", f.now().plus(Duration.ofHours(1))));
    assertThat(f.lastStatus().getConnectionId()).isEqualTo("next-" + reason);
  }

}
