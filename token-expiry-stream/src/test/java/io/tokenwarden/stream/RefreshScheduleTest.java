package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.ErrorCodes;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.TokenExpiryEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * When refreshes happen, with a worker simulated around the driver: no storms for short-lived tokens, a
 * documented meaning for a renewal without expiry, an expired token that keeps its "!" while retries fail, and
 * commands that cannot stay unanswered for ever.
 */
class RefreshScheduleTest {

  /** A generic OAuth2 provider with the default policy: REFRESH_BEFORE=PT5M, JITTER=PT1M, WARN_BEFORE=PT2M. */
  private static final Map<String, String> GENERIC = Map.of("TOKENWARDEN_PROVIDER_ACME_TYPE", "oauth2");

  /** What happened while the clock ran: every command, status and expiry event, in order. */
  private record Run(List<RefreshCommand> commands, List<ConnectionStatus> statuses, List<TokenExpiryEvent> events) {}

  /**
   * Runs the clock for {@code duration} in one-second steps; every command is answered at once by {@code worker},
   * which returns the event to send (or null for no answer).
   */
  private static Run run(StreamFixture f, Duration duration,
      Function<RefreshCommand, io.tokenwarden.schema.TokenLifecycleEvent> worker) {
    Run run = new Run(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    Instant end = f.now().plus(duration);
    while (f.now().isBefore(end)) {
      f.advance(Duration.ofSeconds(1));
      List<RefreshCommand> commands = f.refreshCommands();
      while (!commands.isEmpty()) {
        run.commands.addAll(commands);
        for (RefreshCommand command : commands) {
          var answer = worker.apply(command);
          if (answer != null) {
            f.send(answer);
          }
        }
        commands = f.refreshCommands();
      }
      f.statuses().stream().map(TestRecord::value).forEach(run.statuses::add);
      run.events.addAll(f.expiryEvents());
    }
    return run;
  }

  @Test
  void sixtySecondTokensWithTheDefaultPolicyAreRefreshedAHandfulOfTimesWithoutEverAMark() {
    try (StreamFixture f = new StreamFixture(GENERIC)) {
      f.send(f.issued("c1", "acme", f.now().plus(Duration.ofSeconds(60))));
      Run run = run(f, Duration.ofMinutes(2),
          command -> f.refreshed("c1", command, f.now().plus(Duration.ofSeconds(60))));
      // Measured on the code before: 453 refreshes in 40 seconds, each token already inside its refresh window.
      assertThat(run.commands).as("refreshed at half of each token's minute").hasSizeBetween(3, 5);
      for (int i = 1; i < run.commands.size(); i++) {
        assertThat(Duration.between(run.commands.get(i - 1).getRequestedAt(), run.commands.get(i).getRequestedAt()))
            .isGreaterThanOrEqualTo(Duration.ofSeconds(29));
      }
      assertThat(run.statuses).isNotEmpty().allSatisfy(s -> assertThat(s.getAttention()).as("%s", s).isFalse());
      assertThat(run.events).as("not even a warning: the refresh comes at half, the warning at three quarters")
          .isEmpty();
    }
  }

  @Test
  void aProviderThatAnswersWithAlreadyExpiredTokensIsAskedOncePerMinimumIntervalNotInALoop() {
    try (StreamFixture f = new StreamFixture(GENERIC)) {
      f.send(f.issued("c1", "acme", f.now().minusSeconds(5)));
      Run run = run(f, Duration.ofMinutes(5), command -> f.refreshed("c1", command, f.now().minusSeconds(1)));
      assertThat(run.commands).as("at once, then one a minute").hasSizeBetween(5, 6);
      assertThat(run.statuses.get(run.statuses.size() - 1).getState()).isEqualTo(ConnectionState.EXPIRED);
      assertThat(run.statuses).allSatisfy(s -> assertThat(s.getAttention()).isTrue());
    }
  }

  @Test
  void aRenewalWithoutExpiryIsRefreshedAgainAtHalfTheLifetimeOfTheTokenItReplaced() {
    try (StreamFixture f = new StreamFixture(GENERIC)) {
      f.send(f.issued("c1", "acme", f.now().plus(Duration.ofMinutes(2))));
      Run run = run(f, Duration.ofMinutes(10), command -> f.refreshed("c1", command, null));
      // Two-minute tokens, one renewal a minute: neither a loop nor an end to refreshing.
      assertThat(run.commands).hasSizeBetween(9, 11);
      assertThat(run.statuses).allSatisfy(s -> assertThat(s.getAttention()).isFalse());
      assertThat(run.statuses.get(run.statuses.size() - 1).getExpiresAt()).isNotNull();
    }
  }

  @Test
  void anExpiredTokenKeepsItsMarkWhileRetriesFailAndTheRetryLoopWritesNoStatus() {
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_PROVIDER_ACME_TYPE", "oauth2",
        "TOKENWARDEN_POLICY_ACME_MIN_REFRESH_INTERVAL", "PT1S", "TOKENWARDEN_RETRY_BACKOFF", "PT2S",
        "TOKENWARDEN_RETRY_BACKOFF_MAX", "PT4S"))) {
      // The measured defect: a 14-second token at a provider that answers 503 to every refresh.
      f.send(f.issued("c1", "acme", f.now().plusSeconds(14)));
      Run run = run(f, Duration.ofMinutes(2),
          command -> f.failed("c1", command, FailureKind.TRANSIENT, "http_503", null));
      assertThat(run.commands.size()).as("retries go on").isGreaterThan(20);
      ConnectionStatus last = run.statuses.get(run.statuses.size() - 1);
      assertThat(last.getState()).isEqualTo(ConnectionState.EXPIRED);
      assertThat(last.getAttention()).isTrue();
      assertThat(last.getRefreshing()).as("still trying, as a detail").isTrue();
      assertThat(run.statuses).extracting(ConnectionStatus::getState).as("one record per change, none per retry")
          .containsExactly(ConnectionState.CONNECTED, ConnectionState.REFRESHING, ConnectionState.DEGRADED,
              ConnectionState.EXPIRING, ConnectionState.EXPIRED);
    }
  }

  @Test
  void aCommandTheWorkerNeverAnswersIsAbandonedAtItsDeadlineAndRetriedAndCounted() {
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_COMMAND_TIMEOUT", "PT2M"))) {
      f.send(f.issued("c1", "x", f.now().plus(Duration.ofDays(1))));
      f.send(f.requested("c1"));
      RefreshCommand lost = f.refreshCommands().get(0);
      f.statuses();
      f.advance(Duration.ofMinutes(2).minusSeconds(1));
      assertThat(f.refreshCommands()).isEmpty();
      f.advance(Duration.ofSeconds(1));
      List<RefreshCommand> next = f.refreshCommands();
      assertThat(next).extracting(RefreshCommand::getReason, RefreshCommand::getAttempt)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(RefreshReason.RETRY, 2));
      assertThat(next.get(0).getGeneration()).isEqualTo(lost.getGeneration());
      assertThat(f.counter(ExpiryMetrics.REFRESH_COMMANDS_TIMED_OUT, "provider", "x")).isEqualTo(1);
      assertThat(f.lastStatus().getReason()).isEqualTo(ErrorCodes.COMMAND_TIMEOUT);

      // The abandoned command's failure is stale.
      f.send(f.failed("c1", lost, FailureKind.PERMANENT, "invalid_grant", null));
      assertThat(f.statuses()).isEmpty();
      assertThat(f.counter(ExpiryMetrics.STALE_RESULTS)).isEqualTo(1);
      // The second attempt's deadline is twice as long.
      f.advance(Duration.ofMinutes(4).minusSeconds(1));
      assertThat(f.refreshCommands()).isEmpty();
      f.advance(Duration.ofSeconds(1));
      assertThat(f.refreshCommands()).extracting(RefreshCommand::getAttempt).containsExactly(3);
    }
  }

  @Test
  void aRefreshClickOnAnOverdueCommandIssuesANewOneAtOnce() {
    // Punctuations an hour apart: the deadline passes and no timer has fired yet when the user clicks.
    try (StreamFixture f = new StreamFixture(Map.of("TOKENWARDEN_COMMAND_TIMEOUT", "PT2M",
        "TOKENWARDEN_PUNCTUATE_INTERVAL", "PT1H"))) {
      f.send(f.issued("c1", "x", f.now().plus(Duration.ofDays(1))));
      f.send(f.requested("c1"));
      f.refreshCommands();
      f.advance(Duration.ofMinutes(1));
      f.send(f.requested("c1"));
      assertThat(f.refreshCommands()).as("not overdue yet").isEmpty();
      f.advance(Duration.ofMinutes(1));
      f.send(f.requested("c1"));
      assertThat(f.refreshCommands()).extracting(RefreshCommand::getReason, RefreshCommand::getAttempt)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(RefreshReason.USER_REQUESTED, 2));
      assertThat(f.counter(ExpiryMetrics.REFRESH_COMMANDS_TIMED_OUT, "provider", "x")).isEqualTo(1);
    }
  }

  @Test
  void aRefreshTokenExpiryCountedDownByTheProviderDoesNotRaiseItsWarningAgain() {
    try (StreamFixture f = new StreamFixture()) {
      Instant refreshTokenExpiresAt = f.now().plus(Duration.ofDays(10));
      f.send(f.issued("c1", "tiktok", f.now().plus(Duration.ofHours(2)), refreshTokenExpiresAt));
      assertThat(f.expiryEvents()).extracting(TokenExpiryEvent::getKind)
          .containsExactly(ExpiryKind.REFRESH_TOKEN_EXPIRING);
      for (int i = 1; i <= 3; i++) {
        f.send(f.requested("c1"));
        RefreshCommand command = f.refreshCommands().get(0);
        f.advance(Duration.ofSeconds(2));
        var refreshed = f.refreshed("c1", command, f.now().plus(Duration.ofHours(2)));
        // now + refresh_expires_in, with the milliseconds the worker's clock and the provider's rounding give.
        ((io.tokenwarden.schema.TokenRefreshed) refreshed.getPayload())
            .setRefreshTokenExpiresAt(refreshTokenExpiresAt.plusMillis(i * 337L - 500));
        f.send(refreshed);
        assertThat(f.lastStatus().getRefreshTokenExpiresAt()).isEqualTo(refreshTokenExpiresAt);
      }
      assertThat(f.expiryEvents()).isEmpty();
    }
  }
}
