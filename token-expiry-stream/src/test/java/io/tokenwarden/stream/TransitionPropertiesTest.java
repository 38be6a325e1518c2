package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Random event sequences against the topology, with a simulated worker answering commands. After every
 * step: no timer of a superseded generation fires, at most one command is outstanding per generation, and
 * attention follows the rule of issue 3.
 */
class TransitionPropertiesTest {

  sealed interface Action permits Issue, Advance, Succeed, FailTransient, FailPermanent, Request, Revoke,
      Remove, Duplicate, AnswerOld {}

  record Issue(int expiresInMinutes, boolean withRefreshToken, int refreshTokenDays) implements Action {}

  record Advance(int minutes) implements Action {}

  record Succeed(int expiresInMinutes) implements Action {}

  record FailTransient(int retryAfterMinutes) implements Action {}

  record FailPermanent() implements Action {}

  record Request() implements Action {}

  record Revoke() implements Action {}

  record Remove() implements Action {}

  record Duplicate() implements Action {}

  /** A worker result for the first command ever seen: stale once the generation moved on. */
  record AnswerOld(boolean success) implements Action {}

  @Provide
  Arbitrary<String> providers() {
    return Arbitraries.of("x", "facebook", "linkedin", "tiktok");
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> issue = Combinators.combine(Arbitraries.integers().between(-30, 24 * 60),
        Arbitraries.of(true, false), Arbitraries.integers().between(1, 30)).as(Issue::new);
    Arbitrary<Action> advance = Arbitraries.integers().between(1, 12 * 60).map(Advance::new);
    Arbitrary<Action> succeed = Arbitraries.integers().between(1, 24 * 60).map(Succeed::new);
    Arbitrary<Action> transient_ = Arbitraries.integers().between(0, 60).map(FailTransient::new);
    Arbitrary<Action> action = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, issue),
        net.jqwik.api.Tuple.of(6, advance),
        net.jqwik.api.Tuple.of(3, succeed),
        net.jqwik.api.Tuple.of(2, transient_),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new FailPermanent())),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(new Request())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Revoke())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Remove())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Duplicate())),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(true, false).map(AnswerOld::new)));
    return issue.flatMap(first -> action.list().ofMinSize(1).ofMaxSize(25).map(rest -> {
      List<Action> all = new ArrayList<>();
      all.add(first);
      all.addAll(rest);
      return all;
    }));
  }

  @Property(tries = 100)
  void invariantsHoldOverRandomEventSequences(@ForAll("providers") String provider,
      @ForAll("actions") List<Action> actions) {
    try (StreamFixture f = new StreamFixture()) {
      new Run(f, provider).play(actions);
    }
  }

  /** The simulated world around the stream: the connection's user and the refresh worker. */
  private static final class Run {
    private static final String ID = "conn";
    private final StreamFixture f;
    private final String provider;
    private Long generation;
    private boolean hasRefreshToken;
    private RefreshCommand outstanding;
    private RefreshCommand firstCommand;
    private TokenLifecycleEvent last;
    private final Set<String> expiredGenerations = new HashSet<>();

    Run(StreamFixture f, String provider) {
      this.f = f;
      this.provider = provider;
    }

    void play(List<Action> actions) {
      for (Action action : actions) {
        boolean duplicate = action instanceof Duplicate;
        step(action);
        List<TestRecord<String, ConnectionStatus>> statuses = f.statuses();
        List<TokenExpiryEvent> events = f.expiryEvents();
        List<RefreshCommand> commands = f.refreshCommands();
        if (duplicate) {
          assertThat(statuses).as("a duplicate changes nothing").isEmpty();
          assertThat(events).isEmpty();
          assertThat(commands).isEmpty();
        }
        for (TestRecord<String, ConnectionStatus> record : statuses) {
          ConnectionStatus status = record.value();
          if (status == null) {
            generation = null;
            continue;
          }
          generation = status.getGeneration();
          assertThat(status.getAttention()).as("attention of %s", status).isEqualTo(attentionRule(status));
        }
        for (TokenExpiryEvent event : events) {
          assertThat(generation).as("no timer fires for a removed connection").isNotNull();
          assertThat(event.getGeneration()).as("no timer of a superseded generation fires: %s", event)
              .isEqualTo(generation);
          if (event.getKind() == ExpiryKind.EXPIRED) {
            assertThat(expiredGenerations.add(event.getGeneration() + "")).as("one EXPIRED per generation").isTrue();
          }
        }
        for (RefreshCommand command : commands) {
          assertThat(command.getGeneration()).as("commands are for the current generation").isEqualTo(generation);
          if (outstanding != null && outstanding.getGeneration() == command.getGeneration()) {
            throw new AssertionError("second outstanding command " + command.getCommandId() + " in generation "
                + command.getGeneration() + " while " + outstanding.getCommandId() + " is unanswered");
          }
          outstanding = command;
          if (firstCommand == null) {
            firstCommand = command;
          }
        }
      }
    }

    private boolean attentionRule(ConnectionStatus s) {
      ConnectionState state = s.getState();
      boolean renewable = switch (provider) {
        case "facebook" -> false;
        case "linkedin" -> hasRefreshToken;
        default -> true;
      };
      String reason = s.getReason() == null ? "" : s.getReason();
      return state == ConnectionState.NEEDS_RECONNECT || state == ConnectionState.EXPIRED
          || state == ConnectionState.REVOKED || reason.startsWith("refresh_token_")
          || state == ConnectionState.EXPIRING && !renewable;
    }

    private void step(Action action) {
      if (action instanceof Issue issue) {
        hasRefreshToken = issue.withRefreshToken();
        send(f.issued(ID, provider, f.now().plus(Duration.ofMinutes(issue.expiresInMinutes())),
            issue.withRefreshToken() ? f.now().plus(Duration.ofDays(issue.refreshTokenDays())) : null));
      } else if (action instanceof Advance advance) {
        f.advance(Duration.ofMinutes(advance.minutes()));
      } else if (action instanceof Succeed succeed) {
        if (outstanding != null) {
          send(f.refreshed(ID, outstanding, f.now().plus(Duration.ofMinutes(succeed.expiresInMinutes()))));
          outstanding = null;
        }
      } else if (action instanceof FailTransient failure) {
        if (outstanding != null) {
          send(f.failed(ID, outstanding, FailureKind.TRANSIENT, "timeout",
              f.now().plus(Duration.ofMinutes(failure.retryAfterMinutes()))));
          outstanding = null;
        }
      } else if (action instanceof FailPermanent) {
        if (outstanding != null) {
          send(f.failed(ID, outstanding, FailureKind.PERMANENT, "invalid_grant", null));
          outstanding = null;
        }
      } else if (action instanceof Request) {
        send(f.requested(ID));
      } else if (action instanceof Revoke) {
        send(f.revoked(ID));
      } else if (action instanceof Remove) {
        send(f.removed(ID));
        // A reconnect comes later than the removal; generations of a re-added connection start at its issue time.
        f.advance(Duration.ofSeconds(1));
      } else if (action instanceof Duplicate) {
        if (last != null) {
          f.send(last);
        }
      } else if (action instanceof AnswerOld old) {
        if (firstCommand != null && (outstanding == null
            || !outstanding.getCommandId().equals(firstCommand.getCommandId()))) {
          send(old.success()
              ? f.refreshed(ID, firstCommand, f.now().plus(Duration.ofHours(1)))
              : f.failed(ID, firstCommand, FailureKind.PERMANENT, "invalid_grant", null));
        }
      }
    }

    private void send(TokenLifecycleEvent event) {
      last = event;
      f.send(event);
    }
  }
}
