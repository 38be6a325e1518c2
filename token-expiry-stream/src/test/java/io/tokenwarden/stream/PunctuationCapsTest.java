package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** A backlog of due timers drains over several punctuations, each capped by count or by time. */
class PunctuationCapsTest {

  private static final int CONNECTIONS = 100_000;

  @Test
  void aHundredThousandDueTimersDrainOverTenCappedPunctuations() {
    // youtube with no access expiry has exactly one timer: the keep-alive, here all due at the same moment.
    try (StreamFixture f = new StreamFixture(Map.of(
        "TOKENWARDEN_POLICY_YOUTUBE_JITTER", "PT0S",
        "TOKENWARDEN_PUNCTUATE_MAX_TIMERS", "10000",
        "TOKENWARDEN_PUNCTUATE_MAX_TIME", "PT1H"))) {
      List<TestRecord<String, TokenLifecycleEvent>> batch = new ArrayList<>(CONNECTIONS);
      for (int i = 0; i < CONNECTIONS; i++) {
        TokenLifecycleEvent event = f.issued("c" + i, "youtube", null);
        batch.add(new TestRecord<>(event.getConnectionId(), event, f.now()));
      }
      f.lifecycle.pipeRecordList(batch);
      assertThat(f.status.getQueueSize()).isEqualTo(CONNECTIONS);
      f.status.readValuesToList();
      assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isEqualTo(CONNECTIONS);

      Instant due = f.now().plus(Duration.ofDays(30));
      f.advanceTo(due.minusSeconds(1));
      assertThat(f.commands.getQueueSize()).isZero();

      f.advanceTo(due);
      for (int punctuation = 1; punctuation <= 10; punctuation++) {
        assertThat(f.commands.getQueueSize()).as("commands of punctuation %d", punctuation).isEqualTo(10_000);
        f.commands.readValuesToList();
        // Each fired keep-alive leaves one timer: the deadline of the command it issued.
        assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isEqualTo(CONNECTIONS);
        f.advance(Duration.ofSeconds(1));
      }
      assertThat(f.commands.getQueueSize()).isZero();
      assertThat(f.counter(ExpiryMetrics.REFRESH_COMMANDS, "reason", "KEEPALIVE", "provider", "youtube"))
          .isEqualTo(CONNECTIONS);
      assertThat(f.registry.find(ExpiryMetrics.TIMER_LAG).timer().count()).isEqualTo(CONNECTIONS);
    }
  }

  @Test
  void theTimeCapStopsAPunctuationAfterItsBudgetButAlwaysFiresOne() {
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_PUNCTUATE_MAX_TIME", "PT0S"))) {
      Instant expiresAt = f.now().plus(Duration.ofDays(30));
      for (int i = 0; i < 5; i++) {
        f.send(f.issued("c" + i, "facebook", expiresAt));
      }
      f.advanceTo(expiresAt.minus(Duration.ofDays(7)));
      for (int punctuation = 1; punctuation <= 5; punctuation++) {
        assertThat(f.expiryEvents()).as("punctuation %d", punctuation).hasSize(1);
        f.advance(Duration.ofSeconds(1));
      }
      assertThat(f.expiryEvents()).isEmpty();
    }
  }
}
