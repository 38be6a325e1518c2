package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker result is never dead-lettered by the stream, because losing it could lose a renewed token: values out
 * of range are clamped and counted, free text is truncated, and credentials too large to keep fail the attempt,
 * which is retried.
 */
class WorkerResultsTest {

  private final StreamFixture f = new StreamFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private RefreshCommand commandFor(String id, Instant expiresAt) {
    f.send(f.issued(id, "x", expiresAt));
    f.send(f.requested(id));
    return f.refreshCommands().get(0);
  }

  @Test
  void aRenewalWithTimesOutOfRangeIsAppliedWithTheTimesClampedAndCounted() {
    RefreshCommand command = commandFor("c1", f.now().plus(Duration.ofHours(2)));
    // Seconds taken for milliseconds, a zero event time and an expiry twenty years ahead.
    TokenLifecycleEvent refreshed = f.refreshed("c1", command, Instant.ofEpochMilli(f.now().getEpochSecond() + 7200));
    refreshed.setOccurredAt(Instant.EPOCH);
    ((TokenRefreshed) refreshed.getPayload()).setRefreshTokenExpiresAt(f.now().plus(Duration.ofDays(20 * 366)));
    f.send(refreshed);

    assertThat(f.deadLetters.isEmpty()).isTrue();
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(status.getGeneration()).isEqualTo(command.getGeneration() + 1);
    assertThat(status.getLastRefreshedAt()).as("when the stream learned of it").isEqualTo(f.now());
    assertThat(status.getExpiresAt()).as("an unknown expiry: as long as the token it replaced")
        .isEqualTo(f.now().plus(Duration.ofHours(2)));
    assertThat(status.getRefreshTokenExpiresAt()).isEqualTo(f.now().plus(Duration.ofDays(3660)));
    for (String field : new String[] {"occurredAt", "expiresAt", "refreshTokenExpiresAt"}) {
      assertThat(f.counter(ExpiryMetrics.WORKER_RESULTS_CLAMPED, "field", field)).as(field).isEqualTo(1);
    }
  }

  @Test
  void aFailureWithAnOverlongCodeIsTruncatedAndAFarRetryAfterIsCappedAtADay() {
    RefreshCommand command = commandFor("c1", f.now().plus(Duration.ofDays(5)));
    f.statuses();
    String code = "provider_error_" + "x".repeat(500);
    f.send(f.failed("c1", command, FailureKind.TRANSIENT, code, f.now().plus(Duration.ofDays(3650))));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.DEGRADED);
    assertThat(status.getReason()).hasSize(FieldLimits.ERROR_CODE).startsWith("provider_error_xxx")
        .endsWith(FieldLimits.TRUNCATION_MARKER);
    assertThat(ErrorCodes.label(status.getReason())).isEqualTo(ErrorCodes.OTHER);
    f.advance(Duration.ofDays(1).minusSeconds(1));
    assertThat(f.refreshCommands()).isEmpty();
    f.advance(Duration.ofSeconds(1));
    assertThat(f.refreshCommands()).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.RETRY);
    assertThat(f.counter(ExpiryMetrics.WORKER_RESULTS_CLAMPED, "field", "errorCode")).isEqualTo(1);
    assertThat(f.counter(ExpiryMetrics.WORKER_RESULTS_CLAMPED, "field", "retryAfter")).isEqualTo(1);
    assertThat(f.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void aRenewalWithCredentialsTooLargeToKeepFailsTheAttemptWhichIsRetried() {
    RefreshCommand command = commandFor("c1", f.now().plus(Duration.ofDays(5)));
    TokenLifecycleEvent refreshed = f.refreshed("c1", command, f.now().plus(Duration.ofHours(2)));
    ((TokenRefreshed) refreshed.getPayload()).setCredentials(
        new SealedCredentials("1", ByteBuffer.wrap(new byte[FieldLimits.CIPHERTEXT_BYTES + 1]), true));
    f.send(refreshed);

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.DEGRADED);
    assertThat(status.getReason()).isEqualTo(ErrorCodes.CREDENTIALS_TOO_LARGE);
    assertThat(status.getGeneration()).isEqualTo(command.getGeneration());
    assertThat(f.counter(ExpiryMetrics.WORKER_RESULTS_CLAMPED, "field", "credentials")).isEqualTo(1);
    f.advance(Duration.ofMinutes(1));
    assertThat(f.refreshCommands()).extracting(RefreshCommand::getAttempt).containsExactly(2);
    assertThat(f.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void aResultWithoutEventIdIsAppliedAndAnOverlongOneStillDropsItsDuplicate() {
    RefreshCommand command = commandFor("c1", f.now().plus(Duration.ofDays(5)));
    TokenLifecycleEvent withoutId = f.refreshed("c1", command, f.now().plus(Duration.ofHours(2)));
    withoutId.setEventId("");
    f.send(withoutId);
    assertThat(f.lastStatus().getGeneration()).isEqualTo(command.getGeneration() + 1);

    f.send(f.requested("c1"));
    RefreshCommand second = f.refreshCommands().get(0);
    TokenLifecycleEvent longId = f.failed("c1", second, FailureKind.TRANSIENT, "timeout", null);
    longId.setEventId("e".repeat(10_000));
    f.send(longId);
    f.statuses();
    f.send(longId);
    assertThat(f.counter(ExpiryMetrics.DUPLICATE_EVENTS)).isEqualTo(1);
    assertThat(f.counter(ExpiryMetrics.WORKER_RESULTS_CLAMPED, "field", "eventId")).isEqualTo(3);
    assertThat(f.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void countersOfClampedFieldsStartAtZero() {
    try (StreamFixture g = new StreamFixture(Map.of())) {
      for (String field : ExpiryMetrics.CLAMPED_FIELDS) {
        assertThat(g.registry.find(ExpiryMetrics.WORKER_RESULTS_CLAMPED).tag("field", field).counter()).isNotNull();
      }
    }
  }
}
