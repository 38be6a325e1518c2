package io.tokenwarden.producer.cli;

import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.cli.CliEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tokenwarden publish issued|revoked|removed}: publish connect events from the command line. */
@Command(name = "publish", description = "Publish a connect event to tokens.lifecycle.",
    subcommands = {PublishCommand.Issued.class, PublishCommand.Revoked.class, PublishCommand.Removed.class})
public final class PublishCommand {

  /** How long a command waits for the broker's acknowledgement. */
  static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  static int publish(CommandSpec spec, Function<TokenEventPublisher, CompletableFuture<RecordMetadata>> send,
      PublisherSession session) throws Exception {
    try (TokenEventPublisher publisher = session.open()) {
      RecordMetadata metadata = send.apply(publisher).get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      spec.commandLine().getOut().printf("published to %s-%d@%d%n", metadata.topic(), metadata.partition(),
          metadata.offset());
      return 0;
    }
  }

  static PublisherSession session(CommandSpec spec) {
    return new PublisherSession(((CliEnvironment) spec.root().userObject()).env());
  }

  /** {@code publish issued}. */
  @Command(name = "issued", mixinStandardHelpOptions = true,
      description = "A user connected or reconnected an account: seal and publish its token.")
  public static final class Issued implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--connection", required = true, description = "Connection id.") String connection;
    @Option(names = "--provider", required = true, description = "Provider id.") String provider;
    @Option(names = "--account", required = true, description = "The provider's account id.") String account;
    @Option(names = "--tenant", description = "Tenant (workspace) id.") String tenant;
    @Option(names = "--access-token", required = true, description = "The access token.") String accessToken;
    @Option(names = "--refresh-token", description = "The refresh token.") String refreshToken;
    @Option(names = "--refresh-token-expires-in", description = "Refresh token lifetime in seconds.")
    Long refreshTokenExpiresIn;
    @Option(names = "--scopes", split = ",", description = "Granted scopes, comma-separated.") List<String> scopes;
    @ArgGroup(exclusive = true) Expiry expiry;

    static final class Expiry {
      @Option(names = "--expires-in", description = "Access token lifetime in seconds.") Long expiresIn;
      @Option(names = "--expires-at", description = "Access token expiry, ISO-8601 (2026-01-31T12:00:00Z).")
      String expiresAt;
    }

    @Override
    public Integer call() throws Exception {
      Instant now = Instant.now();
      Optional<Instant> expiresAt = Optional.empty();
      if (expiry != null && expiry.expiresIn != null) {
        expiresAt = Optional.of(now.plusSeconds(requireNonNegative("--expires-in", expiry.expiresIn)));
      } else if (expiry != null && expiry.expiresAt != null) {
        try {
          expiresAt = Optional.of(Instant.parse(expiry.expiresAt));
        } catch (DateTimeParseException e) {
          throw new ParameterException(spec.commandLine(),
              "--expires-at: expected an ISO-8601 instant such as 2026-01-31T12:00:00Z, got '" + expiry.expiresAt + "'");
        }
      }
      Optional<Instant> refreshExpiresAt = Optional.ofNullable(refreshTokenExpiresIn)
          .map(s -> now.plusSeconds(requireNonNegative("--refresh-token-expires-in", s)));
      IssuedToken token = new IssuedToken(connection, Optional.ofNullable(tenant), provider, account, accessToken,
          Optional.ofNullable(refreshToken), "Bearer", expiresAt, refreshExpiresAt, scopes);
      PublisherSession session = session(spec);
      session.validator.validate(token, now);
      return publish(spec, p -> p.issued(token), session);
    }

    private long requireNonNegative(String option, long seconds) {
      if (seconds < 0) {
        throw new ParameterException(spec.commandLine(), option + ": must not be negative, got " + seconds);
      }
      return seconds;
    }
  }

  /** {@code publish revoked}. */
  @Command(name = "revoked", mixinStandardHelpOptions = true, description = "The token was revoked.")
  public static final class Revoked implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--connection", required = true, description = "Connection id.") String connection;
    @Option(names = "--reason", description = "Why it was revoked; at most 1024 characters are kept.") String reason;

    @Override
    public Integer call() throws Exception {
      PublisherSession session = session(spec);
      session.validator.requireId("connectionId", connection);
      if (!FieldLimits.fits(reason, FieldLimits.REVOKE_REASON)) {
        spec.commandLine().getErr().printf("--reason: %d characters, sent truncated to %d%n", reason.length(),
            FieldLimits.REVOKE_REASON);
      }
      return publish(spec, p -> p.revoked(connection, reason), session);
    }
  }

  /** {@code publish removed}. */
  @Command(name = "removed", mixinStandardHelpOptions = true, description = "The connection was deleted.")
  public static final class Removed implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--connection", required = true, description = "Connection id.") String connection;

    @Override
    public Integer call() throws Exception {
      PublisherSession session = session(spec);
      session.validator.requireId("connectionId", connection);
      return publish(spec, p -> p.removed(connection), session);
    }
  }
}
