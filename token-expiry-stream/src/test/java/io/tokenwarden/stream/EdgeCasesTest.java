package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Duplicates, stale results, superseded timers and the other edges of the transition table. */
class EdgeCasesTest {

  private final StreamFixture f = new StreamFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aDuplicateEventIdIsIgnoredAndCounted() {
    TokenLifecycleEvent issued = f.issued("c1", "x", f.now().plus(Duration.ofHours(2)));
    f.send(issued);
    long generation = f.lastStatus().getGeneration();
    f.send(issued);
    assertThat(f.statuses()).isEmpty();

    TokenLifecycleEvent requested = f.requested("c1");
    f.send(requested);
    RefreshCommand command = f.refreshCommands().get(0);
    TokenLifecycleEvent refreshed = f.refreshed("c1", command, f.now().plus(Duration.ofHours(2)));
    f.send(refreshed);
    f.send(refreshed);
    f.send(requested);
    List<ConnectionStatus> statuses = f.statuses().stream().map(r -> r.value()).toList();
    assertThat(statuses).extracting(ConnectionStatus::getState)
        .containsExactly(ConnectionState.REFRESHING, ConnectionState.CONNECTED);
    assertThat(statuses).extracting(ConnectionStatus::getGeneration).containsExactly(generation, generation + 1);
    assertThat(f.refreshCommands()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.DUPLICATE_EVENTS)).isEqualTo(3);
  }

  @Test
  void resultsForAnOlderGenerationAreStaleDroppedAndCounted() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    f.send(f.requested("c1"));
    RefreshCommand command = f.refreshCommands().get(0);
    f.send(f.refreshed("c1", command, f.now().plus(Duration.ofHours(2))));
    ConnectionStatus renewed = f.lastStatus();

    f.send(f.failed("c1", command, FailureKind.PERMANENT, "invalid_grant", null));
    f.send(f.refreshed("c1", command, f.now().plus(Duration.ofHours(3))));
    f.send(f.failed("gone", command, FailureKind.TRANSIENT, "timeout", null));

    assertThat(f.statuses()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.STALE_RESULTS)).isEqualTo(3);
    assertThat(renewed.getState()).isEqualTo(ConnectionState.CONNECTED);
  }

  @Test
  void aFailureForAnEarlierCommandOfTheSameGenerationIsStale() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.send(f.requested("c1"));
    RefreshCommand first = f.refreshCommands().get(0);
    f.send(f.failed("c1", first, FailureKind.TRANSIENT, "timeout", null));
    f.advance(Duration.ofMinutes(1));
    RefreshCommand retry = f.refreshCommands().get(0);
    f.statuses();

    f.send(f.failed("c1", first, FailureKind.PERMANENT, "invalid_grant", null));
    assertThat(f.statuses()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.STALE_RESULTS)).isEqualTo(1);
    f.send(f.failed("c1", retry, FailureKind.PERMANENT, "invalid_grant", null));
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.NEEDS_RECONNECT);
  }

  @Test
  void aReconnectSupersedesThePendingTimersOfTheOldGeneration() {
    Instant firstExpiry = f.now().plus(Duration.ofDays(60));
    f.send(f.issued("c1", "facebook", firstExpiry));
    long firstGeneration = f.lastStatus().getGeneration();
    f.advance(Duration.ofDays(10));
    Instant secondExpiry = f.now().plus(Duration.ofDays(60));
    f.send(f.issued("c1", "facebook", secondExpiry));
    assertThat(f.lastStatus().getGeneration()).isEqualTo(firstGeneration + 1);
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isEqualTo(2);

    f.advanceTo(firstExpiry.plusSeconds(1));
    assertThat(f.expiryEvents()).as("the first token's warning and expiry never fire").isEmpty();
    f.advanceTo(secondExpiry);
    List<TokenExpiryEvent> events = f.expiryEvents();
    assertThat(events).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING, ExpiryKind.EXPIRED);
    assertThat(events).extracting(TokenExpiryEvent::getGeneration).containsOnly(firstGeneration + 1);
  }

  @Test
  void aTokenWithoutExpiryNeverExpires() {
    f.send(f.issued("c1", "facebook", null));
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(status.getExpiresAt()).isNull();
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isZero();
    f.advance(Duration.ofDays(400));
    assertThat(f.expiryEvents()).isEmpty();
    assertThat(f.statuses()).isEmpty();
  }

  @Test
  void statusIsEmittedOnlyWhenTheVisibleStatusChanges() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    assertThat(f.statuses()).hasSize(1);
    f.send(f.requested("c1"));
    assertThat(f.statuses()).hasSize(1);
    f.send(f.requested("c1"));
    f.send(f.requested("c1"));
    // Short of the command's deadline (TOKENWARDEN_COMMAND_TIMEOUT, 5 minutes).
    f.advance(Duration.ofMinutes(4));
    assertThat(f.statuses()).isEmpty();
  }

  @Test
  void timerOutputCarriesDeterministicIds() {
    Instant expiresAt = f.now().minusSeconds(1);
    f.send(f.issued("c1", "facebook", expiresAt));
    long generation = f.lastStatus().getGeneration();
    TokenExpiryEvent expired = f.expiryEvents().get(0);
    assertThat(expired.getEventId()).isEqualTo(UUID.nameUUIDFromBytes(
        ("c1|" + generation + "|EXPIRED").getBytes(StandardCharsets.UTF_8)).toString());

    f.send(f.issued("c2", "x", f.now().plus(Duration.ofHours(1))));
    f.send(f.requested("c2"));
    RefreshCommand command = f.refreshCommands().get(0);
    assertThat(command.getCommandId()).isEqualTo(UUID.nameUUIDFromBytes(
        ("c2|" + command.getGeneration() + "|command|1").getBytes(StandardCharsets.UTF_8)).toString());
  }

  @Test
  void jitterSpreadsRefreshesOfTokensIssuedTogetherWithinTheJitterWindow() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    for (int i = 0; i < 20; i++) {
      f.send(f.issued("c" + i, "x", expiresAt));
    }
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(11)).minusMillis(1));
    assertThat(f.refreshCommands()).isEmpty();
    int batches = 0;
    int commands = 0;
    while (f.now().isBefore(expiresAt.minus(Duration.ofMinutes(10)))) {
      f.advance(Duration.ofSeconds(1));
      int fired = f.refreshCommands().size();
      commands += fired;
      batches += fired > 0 ? 1 : 0;
    }
    assertThat(commands).isEqualTo(20);
    assertThat(batches).as("20 tokens issued together refresh in different seconds").isGreaterThan(10);
  }

  @Test
  void eventsForAConnectionThatDoesNotExistChangeNothing() {
    f.send(f.requested("nobody"));
    f.send(f.revoked("nobody"));
    f.send(f.removed("nobody"));
    assertThat(f.statuses()).isEmpty();
    assertThat(f.refreshCommands()).isEmpty();
  }

  @Test
  void aRemovedConnectionAddedAgainNeverReusesEventIds() {
    f.send(f.issued("c1", "facebook", f.now().minusSeconds(1)));
    TokenExpiryEvent first = f.expiryEvents().get(0);
    f.send(f.removed("c1"));
    f.advance(Duration.ofSeconds(5));
    f.send(f.issued("c1", "facebook", f.now().minusSeconds(1)));
    TokenExpiryEvent second = f.expiryEvents().get(0);
    assertThat(second.getEventId()).isNotEqualTo(first.getEventId());
  }

  @Test
  void aRefreshTokenWarningKeepsAttentionAcrossRefreshesUntilTheRefreshTokenChanges() {
    try (StreamFixture g = new StreamFixture(Map.of())) {
      Instant refreshTokenExpiresAt = g.now().plus(Duration.ofDays(10));
      g.send(g.issued("c1", "tiktok", g.now().plus(Duration.ofHours(24)), refreshTokenExpiresAt));
      assertThat(g.expiryEvents()).extracting(TokenExpiryEvent::getKind)
          .containsExactly(ExpiryKind.REFRESH_TOKEN_EXPIRING);
      assertThat(g.lastStatus().getAttention()).isTrue();
      g.send(g.requested("c1"));
      RefreshCommand command = g.refreshCommands().get(0);
      g.send(g.refreshed("c1", command, g.now().plus(Duration.ofHours(24))));
      assertThat(g.lastStatus().getAttention()).as("only a human renews a refresh token").isTrue();
      assertThat(g.expiryEvents()).as("the warning is not repeated per generation").isEmpty();
    }
  }
}
