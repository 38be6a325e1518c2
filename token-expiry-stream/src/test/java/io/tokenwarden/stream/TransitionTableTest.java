package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One test per row of the transition table in issue 3, driven by wall-clock time in a TopologyTestDriver. */
class TransitionTableTest {

  private final StreamFixture f = new StreamFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void tokenIssuedConnects() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(status.getAttention()).isFalse();
    assertThat(status.getGeneration()).as("a new connection starts at its issue time").isEqualTo(f.now().toEpochMilli());
    assertThat(status.getExpiresAt()).isEqualTo(expiresAt);
    assertThat(status.getProvider()).isEqualTo("x");
    assertThat(f.expiryEvents()).isEmpty();
    assertThat(f.refreshCommands()).isEmpty();
    // REFRESH, WARN and EXPIRE
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isEqualTo(3);
    assertThat(f.gauge(ExpiryMetrics.CONNECTIONS, "state", "CONNECTED", "provider", "x")).isEqualTo(1);
  }

  @Test
  void tokenIssuedInsideTheWarnWindowOfAnUnrenewableProviderIsExpiringWithAttention() {
    f.send(f.issued("c1", "facebook", f.now().plus(Duration.ofDays(3))));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.EXPIRING);
    assertThat(status.getAttention()).isTrue();
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING);
  }

  @Test
  void tokenIssuedAlreadyExpiredIsExpiredWithAttentionAndOneExpiredEvent() {
    Instant expiresAt = f.now().minus(Duration.ofMinutes(1));
    f.send(f.issued("c1", "facebook", expiresAt));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.EXPIRED);
    assertThat(status.getAttention()).isTrue();
    List<TokenExpiryEvent> events = f.expiryEvents();
    assertThat(events).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRED);
    assertThat(events.get(0).getExpiresAt()).isEqualTo(expiresAt);
    f.advance(Duration.ofDays(1));
    assertThat(f.expiryEvents()).isEmpty();
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isZero();
  }

  @Test
  void refreshTimerCommandsAProactiveRefreshWithTheSealedCredentialsOnce() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    long generation = f.lastStatus().getGeneration();

    f.advanceTo(expiresAt.minus(Duration.ofMinutes(11)).minusSeconds(1));
    assertThat(f.refreshCommands()).as("not before REFRESH_BEFORE + JITTER").isEmpty();
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(10)));
    List<RefreshCommand> commands = f.refreshCommands();
    assertThat(commands).hasSize(1);
    RefreshCommand command = commands.get(0);
    assertThat(command.getReason()).isEqualTo(RefreshReason.PROACTIVE);
    assertThat(command.getAttempt()).isEqualTo(1);
    assertThat(command.getGeneration()).isEqualTo(generation);
    assertThat(command.getCredentials().getCiphertext()).isEqualTo(ByteBuffer.wrap("sealed:c1".getBytes()));
    assertThat(command.getExpiresAt()).isEqualTo(expiresAt);
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.REFRESHING);
    assertThat(f.counter(ExpiryMetrics.REFRESH_COMMANDS, "reason", "PROACTIVE", "provider", "x")).isEqualTo(1);

    f.send(f.requested("c1"));
    f.advance(Duration.ofMinutes(3));
    assertThat(f.refreshCommands()).as("at most one outstanding command per generation").isEmpty();
  }

  @Test
  void keepAliveTimerCommandsAKeepAliveRefresh() {
    f.send(f.issued("c1", "youtube", null));
    f.advance(Duration.ofDays(29));
    assertThat(f.refreshCommands()).isEmpty();
    f.advance(Duration.ofDays(1));
    List<RefreshCommand> commands = f.refreshCommands();
    assertThat(commands).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.KEEPALIVE);
    assertThat(commands.get(0).getExpiresAt()).isNull();
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.REFRESHING);
  }

  @Test
  void tokenRefreshedStartsANewGenerationAndRecovers() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(4)));
    RefreshCommand command = f.refreshCommands().get(0);
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.EXPIRING);
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING);

    Instant renewedExpiry = f.now().plus(Duration.ofHours(2));
    f.send(f.refreshed("c1", command, renewedExpiry));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(status.getAttention()).isFalse();
    assertThat(status.getGeneration()).isEqualTo(command.getGeneration() + 1);
    assertThat(status.getExpiresAt()).isEqualTo(renewedExpiry);
    assertThat(status.getLastRefreshedAt()).isEqualTo(f.now());
    f.advanceTo(expiresAt.plusSeconds(1));
    assertThat(f.expiryEvents()).as("the old generation's expiry never fires").isEmpty();
  }

  @Test
  void transientFailureDegradesWithoutAttentionAndRetriesAfterBackoffOrRetryAfter() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(10)));
    RefreshCommand first = f.refreshCommands().get(0);

    Instant retryAfter = f.now().plus(Duration.ofMinutes(2));
    f.send(f.failed("c1", first, FailureKind.TRANSIENT, "temporarily_unavailable", retryAfter));
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.DEGRADED);
    assertThat(status.getAttention()).isFalse();
    assertThat(status.getReason()).isEqualTo("temporarily_unavailable");

    f.advanceTo(retryAfter.minusSeconds(1));
    assertThat(f.refreshCommands()).as("Retry-After is later than the 30 s backoff").isEmpty();
    f.advanceTo(retryAfter);
    List<RefreshCommand> retries = f.refreshCommands();
    assertThat(retries).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.RETRY);
    assertThat(retries.get(0).getAttempt()).isEqualTo(2);
    assertThat(retries.get(0).getCommandId()).isNotEqualTo(first.getCommandId());

    // The backoff is never past expiry.
    f.send(f.failed("c1", retries.get(0), FailureKind.TRANSIENT, "timeout", expiresAt.plus(Duration.ofHours(1))));
    f.advanceTo(expiresAt);
    assertThat(f.refreshCommands()).extracting(RefreshCommand::getAttempt).containsExactly(3);
  }

  @Test
  void permanentFailureNeedsReconnectCancelsRefreshButKeepsExpiry() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(10)));
    RefreshCommand command = f.refreshCommands().get(0);

    f.send(f.failed("c1", command, FailureKind.PERMANENT, "invalid_grant", null));
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.NEEDS_RECONNECT);
    assertThat(status.getAttention()).isTrue();
    assertThat(status.getReason()).isEqualTo("invalid_grant");

    f.advanceTo(expiresAt.minusSeconds(1));
    assertThat(f.refreshCommands()).isEmpty();
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING);
    assertThat(f.lastStatus()).as("EXPIRING does not hide NEEDS_RECONNECT").isNull();
    f.advanceTo(expiresAt);
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRED);
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.EXPIRED);
  }

  @Test
  void warnTimerOfARenewableTokenIsExpiringWithoutAttention() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    long generation = f.lastStatus().getGeneration();
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(10)));
    f.statuses();
    f.advanceTo(expiresAt.minus(Duration.ofMinutes(5)));

    List<TokenExpiryEvent> events = f.expiryEvents();
    assertThat(events).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING);
    assertThat(events.get(0).getGeneration()).isEqualTo(generation);
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.EXPIRING);
    assertThat(status.getAttention()).isFalse();
    assertThat(status.getReason()).isEqualTo("access_token_expiring");
  }

  @Test
  void warnTimerOfAnUnrenewableTokenIsExpiringWithAttention() {
    Instant expiresAt = f.now().plus(Duration.ofDays(60));
    f.send(f.issued("c1", "facebook", expiresAt));
    f.advanceTo(expiresAt.minus(Duration.ofDays(7)).minusSeconds(1));
    assertThat(f.expiryEvents()).isEmpty();
    f.advanceTo(expiresAt.minus(Duration.ofDays(7)));

    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRING);
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.EXPIRING);
    assertThat(status.getAttention()).isTrue();
  }

  @Test
  void expiryTimerIsExpiredWithAttention() {
    Instant expiresAt = f.now().plus(Duration.ofDays(60));
    f.send(f.issued("c1", "facebook", expiresAt));
    f.advanceTo(expiresAt.minus(Duration.ofDays(7)));
    f.expiryEvents();
    f.advanceTo(expiresAt.minusSeconds(1));
    assertThat(f.expiryEvents()).isEmpty();
    f.advanceTo(expiresAt);

    List<TokenExpiryEvent> events = f.expiryEvents();
    assertThat(events).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.EXPIRED);
    assertThat(events.get(0).getEmittedAt()).isEqualTo(expiresAt);
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.EXPIRED);
    assertThat(status.getAttention()).isTrue();
    assertThat(status.getReason()).isEqualTo("access_token_expired");
    assertThat(f.counter(ExpiryMetrics.EXPIRY_EVENTS, "kind", "EXPIRED", "provider", "facebook")).isEqualTo(1);
  }

  @Test
  void refreshTokenTimersWarnAndExpireWithAttention() {
    Instant expiresAt = f.now().plus(Duration.ofDays(60));
    Instant refreshTokenExpiresAt = f.now().plus(Duration.ofDays(30));
    f.send(f.issued("c1", "linkedin", expiresAt, refreshTokenExpiresAt));
    assertThat(f.lastStatus().getAttention()).isFalse();

    f.advanceTo(refreshTokenExpiresAt.minus(Duration.ofDays(14)));
    List<TokenExpiryEvent> warned = f.expiryEvents();
    assertThat(warned).extracting(TokenExpiryEvent::getKind).containsExactly(ExpiryKind.REFRESH_TOKEN_EXPIRING);
    assertThat(warned.get(0).getExpiresAt()).isEqualTo(refreshTokenExpiresAt);
    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(status.getAttention()).isTrue();
    assertThat(status.getReason()).isEqualTo("refresh_token_expiring");
    // Attention without a change of state still counts.
    assertThat(f.gauge(ExpiryMetrics.CONNECTIONS_ATTENTION, "provider", "linkedin")).isEqualTo(1);

    f.advanceTo(refreshTokenExpiresAt);
    assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind)
        .containsExactly(ExpiryKind.REFRESH_TOKEN_EXPIRED);
    assertThat(f.lastStatus().getReason()).isEqualTo("refresh_token_expired");

    // With its refresh token dead, linkedin is no longer renewable: no proactive refresh, and a request is refused.
    f.advanceTo(expiresAt.minus(Duration.ofDays(7)));
    assertThat(f.refreshCommands()).isEmpty();
  }

  @Test
  void linkedinIsRenewableWhenTheSealedCredentialsSayThereIsARefreshToken() {
    Instant expiresAt = f.now().plus(Duration.ofDays(60));
    TokenLifecycleEvent withRefreshToken = f.issued("c1", "linkedin", expiresAt);
    ((TokenIssued) withRefreshToken.getPayload()).setCredentials(StreamFixture.sealed("c1", true));
    f.send(withRefreshToken);
    f.send(f.issued("c2", "linkedin", expiresAt));

    f.advanceTo(expiresAt.minus(Duration.ofDays(7)));
    assertThat(f.refreshCommands()).extracting(RefreshCommand::getConnectionId).containsExactly("c1");
    f.advanceTo(expiresAt.minus(Duration.ofDays(3)));
    // Without a refresh token only a human can renew it: the warning carries the "!".
    assertThat(f.gauge(ExpiryMetrics.CONNECTIONS_ATTENTION, "provider", "linkedin")).isEqualTo(1);
    assertThat(f.statuses()).extracting(r -> r.value()).filteredOn(s -> s.getConnectionId().equals("c2")).last()
        .satisfies(s -> {
          assertThat(s.getState()).isEqualTo(ConnectionState.EXPIRING);
          assertThat(s.getAttention()).isTrue();
        });
  }

  @Test
  void refreshRequestedCommandsAnImmediateUserRequestedRefresh() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    f.send(f.requested("c1"));
    List<RefreshCommand> commands = f.refreshCommands();
    assertThat(commands).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.USER_REQUESTED);
    assertThat(commands.get(0).getAttempt()).isEqualTo(1);
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.REFRESHING);
  }

  @Test
  void refreshRequestedRetriesANeedsReconnectConnectionOnce() {
    f.send(f.issued("c1", "x", f.now().plus(Duration.ofHours(2))));
    f.send(f.requested("c1"));
    RefreshCommand first = f.refreshCommands().get(0);
    f.send(f.failed("c1", first, FailureKind.PERMANENT, "invalid_grant", null));
    assertThat(f.lastStatus().getState()).isEqualTo(ConnectionState.NEEDS_RECONNECT);

    f.send(f.requested("c1"));
    List<RefreshCommand> retry = f.refreshCommands();
    assertThat(retry).extracting(RefreshCommand::getReason).containsExactly(RefreshReason.USER_REQUESTED);
    assertThat(retry.get(0).getAttempt()).isEqualTo(2);
    f.send(f.requested("c1"));
    assertThat(f.refreshCommands()).as("one command in flight at a time").isEmpty();
  }

  @Test
  void refreshRequestedForAnUnrenewableProviderCommandsNothingAndIsCounted() {
    f.send(f.issued("c1", "facebook", f.now().plus(Duration.ofDays(30))));
    f.statuses();
    f.send(f.requested("c1"));
    assertThat(f.refreshCommands()).isEmpty();
    assertThat(f.statuses()).isEmpty();
    assertThat(f.counter(ExpiryMetrics.REFRESH_REQUESTS_NOT_RENEWABLE, "provider", "facebook")).isEqualTo(1);
  }

  @Test
  void tokenRevokedIsRevokedWithAttentionAndCancelsEveryTimer() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.send(f.revoked("c1"));

    ConnectionStatus status = f.lastStatus();
    assertThat(status.getState()).isEqualTo(ConnectionState.REVOKED);
    assertThat(status.getAttention()).isTrue();
    assertThat(status.getReason()).isEqualTo("user_revoked");
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isZero();
    f.advanceTo(expiresAt.plusSeconds(1));
    assertThat(f.expiryEvents()).isEmpty();
    assertThat(f.refreshCommands()).isEmpty();
  }

  @Test
  void connectionRemovedDeletesStateAndTimersAndTombstonesTheStatus() {
    Instant expiresAt = f.now().plus(Duration.ofHours(2));
    f.send(f.issued("c1", "x", expiresAt));
    f.statuses();
    f.send(f.removed("c1"));

    var records = f.statuses();
    assertThat(records).hasSize(1);
    assertThat(records.get(0).key()).isEqualTo("c1");
    assertThat(records.get(0).value()).isNull();
    assertThat(f.driver.getKeyValueStore("expiry-connections").get("c1")).isNull();
    assertThat(f.gauge(ExpiryMetrics.TIMERS_PENDING)).isZero();
    assertThat(f.gauge(ExpiryMetrics.CONNECTIONS, "state", "CONNECTED", "provider", "x")).isZero();
    f.advanceTo(expiresAt.plusSeconds(1));
    assertThat(f.expiryEvents()).isEmpty();
    assertThat(f.refreshCommands()).isEmpty();
  }

  @Test
  void genericOAuth2ProvidersUseTheirOwnPolicyVariables() {
    try (StreamFixture g = new StreamFixture(Map.of(
        "TOKENWARDEN_PROVIDER_ACME_CRM_TYPE", "oauth2",
        "TOKENWARDEN_POLICY_ACME_CRM_REFRESH_BEFORE", "PT20M",
        "TOKENWARDEN_POLICY_ACME_CRM_JITTER", "PT0S"))) {
      Instant expiresAt = g.now().plus(Duration.ofHours(1));
      g.send(g.issued("c1", "acme-crm", expiresAt));
      g.advanceTo(expiresAt.minus(Duration.ofMinutes(20)).minusSeconds(1));
      assertThat(g.refreshCommands()).isEmpty();
      g.advanceTo(expiresAt.minus(Duration.ofMinutes(20)));
      assertThat(g.refreshCommands()).extracting(RefreshCommand::getProvider).containsExactly("acme-crm");
    }
  }
}
