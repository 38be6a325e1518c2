package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRefreshed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A model of the world around one connection (the user, the provider's tokens and the refresh worker) plays
 * random event sequences against the topology. The orange "!" the stream shows is checked after every step
 * against an oracle computed from the model's own facts: the current token's expiry has passed (it was not
 * renewed), the refresh token is dead or inside its warning window, the last refresh failed permanently, the
 * grant was revoked, or the token is inside its warning window and no machine can renew it. The oracle never
 * looks at the state the stream emitted.
 *
 * <p>Besides the "!": every status record differs from the one before it in something a user sees, output
 * concerns only the current token, a token gets a second command only after the first was answered or its
 * deadline passed, each token expires (the {@code EXPIRED} event) at most once, and a
 * refresh-token warning is raised at most once per refresh-token expiry.
 */
class AttentionModelPropertiesTest {

  sealed interface Action permits Issue, Advance, Succeed, FailTransient, FailPermanent, Request, Revoke,
      Remove, Duplicate, AnswerOld {}

  record Issue(int expiresInMinutes, boolean withRefreshToken, int refreshTokenDays) implements Action {}

  record Advance(int minutes) implements Action {}

  /** How a refresh reports the refresh token's expiry. */
  enum RefreshTokenReport {
    /** As before: no new refresh token. */
    NONE,
    /** The same instant again, give or take the milliseconds of a lifetime that counts down. */
    COUNTDOWN,
    /** A rotated refresh token with a new lifetime. */
    EXTENDED
  }

  record Succeed(int expiresInMinutes, RefreshTokenReport refreshToken, int shiftMillis) implements Action {}

  record FailTransient(int retryAfterMinutes) implements Action {}

  record FailPermanent() implements Action {}

  record Request() implements Action {}

  record Revoke() implements Action {}

  record Remove() implements Action {}

  record Duplicate() implements Action {}

  /** A worker result for the first command ever seen, when that is no longer the latest command. */
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
    Arbitrary<Action> succeed = Combinators.combine(Arbitraries.integers().between(1, 24 * 60),
        Arbitraries.of(RefreshTokenReport.class), Arbitraries.integers().between(-5000, 5000)).as(Succeed::new);
    Arbitrary<Action> transient_ = Arbitraries.integers().between(0, 60).map(FailTransient::new);
    Arbitrary<Action> action = Arbitraries.frequencyOf(
        Tuple.of(3, issue),
        Tuple.of(6, advance),
        Tuple.of(3, succeed),
        Tuple.of(3, transient_),
        Tuple.of(1, Arbitraries.just(new FailPermanent())),
        Tuple.of(2, Arbitraries.just(new Request())),
        Tuple.of(1, Arbitraries.just(new Revoke())),
        Tuple.of(1, Arbitraries.just(new Remove())),
        Tuple.of(1, Arbitraries.just(new Duplicate())),
        Tuple.of(1, Arbitraries.of(true, false).map(AnswerOld::new)));
    return issue.flatMap(first -> action.list().ofMinSize(1).ofMaxSize(25).map(rest -> {
      List<Action> all = new ArrayList<>();
      all.add(first);
      all.addAll(rest);
      return all;
    }));
  }

  @Property(tries = 200)
  void theOrangeMarkFollowsTheFactsOfTheModel(@ForAll("providers") String provider,
      @ForAll("actions") List<Action> actions) {
    try (StreamFixture f = new StreamFixture()) {
      new World(f, provider).play(actions);
    }
  }

  /** One token as the provider issued it. */
  record Token(String marker, Instant expiresAt) {}

  /** How long the stream waits for an answer before it commands again: the default of the setting. */
  private static final Duration COMMAND_TIMEOUT = ExpiryConfig.of(java.util.Map.of()).commandTimeout();

  /** The world around the stream, and the facts the oracle reads. */
  private static final class World {
    private static final String ID = "conn";
    private final StreamFixture f;
    private final String provider;

    // Facts.
    private boolean exists;
    private Token token;
    private boolean hasRefreshToken;
    private Instant refreshTokenExpiresAt;
    private boolean revoked;
    private boolean permanentlyFailed;

    // The worker's inbox: commands received and not yet answered, oldest first; and the latest command seen.
    private final List<RefreshCommand> unanswered = new ArrayList<>();
    private RefreshCommand latest;
    private RefreshCommand first;

    // What the stream showed, and what it emitted.
    private ConnectionStatus shown;
    private final Set<String> expiredTokens = new HashSet<>();
    private final Set<Instant> refreshTokenWarnings = new HashSet<>();
    private TokenLifecycleEvent last;
    private int tokens;

    World(StreamFixture f, String provider) {
      this.f = f;
      this.provider = provider;
    }

    void play(List<Action> actions) {
      for (Action action : actions) {
        step(action);
        observe(action);
      }
    }

    private void observe(Action action) {
      for (RefreshCommand command : f.refreshCommands()) {
        assertThat(token).as("a command needs a connection").isNotNull();
        assertThat(marker(command.getCredentials())).as("commands refresh the current token")
            .isEqualTo(token.marker());
        for (RefreshCommand open : unanswered) {
          if (marker(open.getCredentials()).equals(token.marker())) {
            assertThat(Duration.between(open.getRequestedAt(), command.getRequestedAt()))
                .as("a second command for a token while %s is unanswered, before its deadline", open.getCommandId())
                .isGreaterThanOrEqualTo(COMMAND_TIMEOUT);
          }
        }
        unanswered.add(command);
        latest = command;
        if (first == null) {
          first = command;
        }
      }
      for (TokenExpiryEvent event : f.expiryEvents()) {
        assertThat(exists).as("no timer fires for a removed connection: %s", event).isTrue();
        if (event.getKind() == ExpiryKind.EXPIRED) {
          assertThat(event.getExpiresAt()).as("EXPIRED concerns the current token").isEqualTo(token.expiresAt());
          assertThat(expiredTokens.add(token.marker())).as("one EXPIRED per token").isTrue();
        }
        if (event.getKind() == ExpiryKind.REFRESH_TOKEN_EXPIRING) {
          assertThat(refreshTokenWarnings.add(event.getExpiresAt()))
              .as("one refresh-token warning per refresh-token expiry, not again for %s", event.getExpiresAt())
              .isTrue();
        }
      }
      List<TestRecord<String, ConnectionStatus>> records = f.statuses();
      if (action instanceof Duplicate) {
        assertThat(records).as("a duplicate changes nothing").isEmpty();
      }
      for (TestRecord<String, ConnectionStatus> record : records) {
        ConnectionStatus next = record.value();
        if (next != null && shown != null) {
          assertThat(visible(next)).as("a status record only when what a user sees changes").isNotEqualTo(visible(shown));
        }
        shown = next;
      }
      if (exists && shown != null) {
        assertThat(shown.getAttention())
            .as("the \"!\" at %s with facts %s; shown %s", f.now(), facts(), shown)
            .isEqualTo(attentionExpected());
      }
    }

    /** The oracle: from the model's facts only. */
    private boolean attentionExpected() {
      Instant now = f.now();
      if (revoked || permanentlyFailed) {
        return true;
      }
      if (token.expiresAt() != null && !now.isBefore(token.expiresAt())) {
        return true;
      }
      if (refreshTokenExpiresAt != null) {
        Instant warnFrom = refreshTokenWarnBefore().map(refreshTokenExpiresAt::minus).orElse(refreshTokenExpiresAt);
        if (!now.isBefore(warnFrom)) {
          return true;
        }
      }
      return token.expiresAt() != null && !renewable() && !now.isBefore(token.expiresAt().minus(warnBefore()));
    }

    private boolean renewable() {
      boolean refreshTokenDead = refreshTokenExpiresAt != null && !f.now().isBefore(refreshTokenExpiresAt);
      return !refreshTokenDead && switch (provider) {
        case "facebook" -> false;
        case "linkedin" -> hasRefreshToken;
        default -> true;
      };
    }

    private Duration warnBefore() {
      return io.tokenwarden.stream.policy.ExpiryPolicies.DEFAULTS.get(provider).warnBefore();
    }

    private java.util.Optional<Duration> refreshTokenWarnBefore() {
      return io.tokenwarden.stream.policy.ExpiryPolicies.DEFAULTS.get(provider).refreshTokenWarnBefore();
    }

    private String facts() {
      return "{token=" + token + ", refreshTokenExpiresAt=" + refreshTokenExpiresAt + ", hasRefreshToken="
          + hasRefreshToken + ", revoked=" + revoked + ", permanentlyFailed=" + permanentlyFailed + "}";
    }

    private void step(Action action) {
      if (action instanceof Issue issue) {
        Instant now = f.now();
        token = new Token("t" + (++tokens), now.plus(Duration.ofMinutes(issue.expiresInMinutes())));
        hasRefreshToken = issue.withRefreshToken();
        refreshTokenExpiresAt = issue.withRefreshToken() ? now.plus(Duration.ofDays(issue.refreshTokenDays())) : null;
        revoked = false;
        permanentlyFailed = false;
        exists = true;
        // A reconnect brings a new refresh token, which may be warned about again.
        refreshTokenWarnings.clear();
        send(StreamFixture.event(ID, TokenIssued.newBuilder()
            .setCredentials(sealed(token.marker()))
            .setExpiresAt(token.expiresAt())
            .setRefreshTokenExpiresAt(refreshTokenExpiresAt)
            .build(), now).setProvider(provider).setAccountId("acct").build());
      } else if (action instanceof Advance advance) {
        f.advance(Duration.ofMinutes(advance.minutes()));
      } else if (action instanceof Succeed succeed) {
        RefreshCommand command = nextToAnswer();
        if (command != null) {
          Instant reported = switch (succeed.refreshToken()) {
            case NONE -> null;
            case COUNTDOWN -> refreshTokenExpiresAt == null ? null
                : refreshTokenExpiresAt.plusMillis(succeed.shiftMillis());
            case EXTENDED -> f.now().plus(Duration.ofDays(30));
          };
          Token renewed = new Token("t" + (++tokens), f.now().plus(Duration.ofMinutes(succeed.expiresInMinutes())));
          send(StreamFixture.event(ID, TokenRefreshed.newBuilder()
              .setCredentials(sealed(renewed.marker()))
              .setExpiresAt(renewed.expiresAt())
              .setRefreshTokenExpiresAt(reported)
              .setGeneration(command.getGeneration())
              .setCommandId(command.getCommandId())
              .build(), f.now()).build());
          if (exists && !revoked && marker(command.getCredentials()).equals(token.marker())) {
            // A renewal of the current token is accepted, whichever of its commands it answers.
            token = renewed;
            permanentlyFailed = false;
            if (succeed.refreshToken() == RefreshTokenReport.EXTENDED) {
              refreshTokenExpiresAt = reported;
            }
          }
        }
      } else if (action instanceof FailTransient failure) {
        RefreshCommand command = nextToAnswer();
        if (command != null) {
          send(f.failed(ID, command, FailureKind.TRANSIENT, "temporarily_unavailable",
              f.now().plus(Duration.ofMinutes(failure.retryAfterMinutes()))));
        }
      } else if (action instanceof FailPermanent) {
        RefreshCommand command = nextToAnswer();
        if (command != null) {
          send(f.failed(ID, command, FailureKind.PERMANENT, "invalid_grant", null));
          if (exists && !revoked && answersTheLatestCommandOfTheCurrentToken(command)) {
            permanentlyFailed = true;
          }
        }
      } else if (action instanceof Request) {
        send(StreamFixture.event(ID, io.tokenwarden.schema.RefreshRequested.newBuilder().build(), f.now()).build());
      } else if (action instanceof Revoke) {
        send(StreamFixture.event(ID, io.tokenwarden.schema.TokenRevoked.newBuilder().setReason("user_revoked").build(),
            f.now()).build());
        revoked = exists;
      } else if (action instanceof Remove) {
        send(StreamFixture.event(ID, io.tokenwarden.schema.ConnectionRemoved.newBuilder().build(), f.now()).build());
        exists = false;
        token = null;
        shown = null;
        unanswered.clear();
        latest = null;
        // A reconnect comes later than the removal.
        f.advance(Duration.ofSeconds(1));
      } else if (action instanceof Duplicate) {
        if (last != null) {
          f.send(last);
        }
      } else if (action instanceof AnswerOld old) {
        if (first != null && latest != null && !first.getCommandId().equals(latest.getCommandId())) {
          if (old.success()) {
            Token renewed = new Token("t" + (++tokens), f.now().plus(Duration.ofHours(1)));
            send(StreamFixture.event(ID, TokenRefreshed.newBuilder()
                .setCredentials(sealed(renewed.marker()))
                .setExpiresAt(renewed.expiresAt())
                .setGeneration(first.getGeneration())
                .setCommandId(first.getCommandId())
                .build(), f.now()).build());
            if (exists && !revoked && marker(first.getCredentials()).equals(token.marker())) {
              token = renewed;
              permanentlyFailed = false;
            }
          } else {
            send(f.failed(ID, first, FailureKind.PERMANENT, "invalid_grant", null));
          }
        }
      }
    }

    /** The worker answers its commands in the order it received them. */
    private RefreshCommand nextToAnswer() {
      return unanswered.isEmpty() ? null : unanswered.remove(0);
    }

    private boolean answersTheLatestCommandOfTheCurrentToken(RefreshCommand command) {
      return latest != null && command.getCommandId().equals(latest.getCommandId())
          && marker(command.getCredentials()).equals(token.marker());
    }

    private SealedCredentials sealed(String marker) {
      return new SealedCredentials("1", ByteBuffer.wrap(marker.getBytes(StandardCharsets.UTF_8)), hasRefreshToken);
    }

    private static String marker(SealedCredentials credentials) {
      ByteBuffer b = credentials.getCiphertext().duplicate();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    private void send(TokenLifecycleEvent event) {
      last = event;
      f.send(event);
    }

    /** A status without its computation time: what a user sees. */
    private static List<Object> visible(ConnectionStatus s) {
      List<Object> fields = new ArrayList<>();
      for (int i = 0; i < s.getSchema().getFields().size(); i++) {
        if (!s.getSchema().getFields().get(i).name().equals("updatedAt")) {
          fields.add(Objects.toString(s.get(i)));
        }
      }
      return fields;
    }
  }
}
