package io.tokenwarden.stream;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the expiry stream, parsed once from the environment by {@link #from(Env)}, which fails fast
 * and names the bad variable. Kafka client settings are not here: they come from {@code KAFKA_*} variables
 * ({@link Env#kafkaProperties()}) and are passed to {@link ExpiryStreamRunner#create} separately.
 *
 * @param applicationId Kafka Streams {@code application.id}; also the consumer group and the prefix of the
 *     changelog topics ({@code TOKENWARDEN_EXPIRY_APPLICATION_ID}, default {@value #DEFAULT_APPLICATION_ID})
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 *     ({@code TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE}, default {@code exactly_once_v2})
 * @param stateDir where RocksDB keeps the stores ({@code TOKENWARDEN_EXPIRY_STATE_DIR}, default
 *     {@code $TOKENWARDEN_DATA_DIR/streams}, that is {@code ~/.tokenwarden/streams})
 * @param punctuateInterval how often due timers are fired ({@code TOKENWARDEN_PUNCTUATE_INTERVAL}, default
 *     {@code PT0.1S}: it bounds a timer's lag and, with the per-punctuation cap, a burst's rate; a punctuation
 *     with nothing due only peeks at the index)
 * @param punctuateMaxTimers most timers fired per punctuation ({@code TOKENWARDEN_PUNCTUATE_MAX_TIMERS},
 *     default 10000)
 * @param punctuateMaxTime time after which a punctuation stops firing and leaves the rest for the next one
 *     ({@code TOKENWARDEN_PUNCTUATE_MAX_TIME}, default {@code PT0.2S})
 * @param retryBackoff first delay before retrying a transient refresh failure, doubled per attempt
 *     ({@code TOKENWARDEN_RETRY_BACKOFF}, default {@code PT30S})
 * @param retryBackoffMax longest retry delay ({@code TOKENWARDEN_RETRY_BACKOFF_MAX}, default {@code PT30M})
 * @param commandTimeout how long a refresh command may go unanswered before it is abandoned and the next attempt
 *     is issued; doubled for each further attempt of a generation, up to {@code retryBackoffMax}
 *     ({@code TOKENWARDEN_COMMAND_TIMEOUT}, default {@code PT5M})
 * @param dedupWindow how many recent event ids per connection are remembered to drop duplicates
 *     ({@code TOKENWARDEN_EXPIRY_DEDUP_WINDOW}, default 32)
 * @param policies per-provider expiry policies ({@code TOKENWARDEN_POLICY_<PROVIDER>_<FIELD>})
 */
public record ExpiryConfig(
    String applicationId,
    String processingGuarantee,
    Path stateDir,
    Duration punctuateInterval,
    int punctuateMaxTimers,
    Duration punctuateMaxTime,
    Duration retryBackoff,
    Duration retryBackoffMax,
    Duration commandTimeout,
    int dedupWindow,
    ExpiryPolicies policies) {

  public static final String DEFAULT_APPLICATION_ID = "tokenwarden-expiry";

  public ExpiryConfig {
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(processingGuarantee, "processingGuarantee");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(policies, "policies");
    positive("TOKENWARDEN_PUNCTUATE_INTERVAL", punctuateInterval);
    notNegative("TOKENWARDEN_PUNCTUATE_MAX_TIME", punctuateMaxTime);
    positive("TOKENWARDEN_RETRY_BACKOFF", retryBackoff);
    positive("TOKENWARDEN_RETRY_BACKOFF_MAX", retryBackoffMax);
    positive("TOKENWARDEN_COMMAND_TIMEOUT", commandTimeout);
    if (punctuateMaxTimers < 1) {
      throw new ConfigException("TOKENWARDEN_PUNCTUATE_MAX_TIMERS: must be at least 1, got " + punctuateMaxTimers);
    }
    if (dedupWindow < 1 || dedupWindow > 1000) {
      throw new ConfigException("TOKENWARDEN_EXPIRY_DEDUP_WINDOW: must be between 1 and 1000, got " + dedupWindow);
    }
    if (!processingGuarantee.equals("exactly_once_v2") && !processingGuarantee.equals("at_least_once")) {
      throw new ConfigException("TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE: expected exactly_once_v2 or"
          + " at_least_once, got '" + processingGuarantee + "'");
    }
  }

  /** Parses every setting from {@code env}; unset variables take their defaults. */
  public static ExpiryConfig from(Env env) {
    Path dataDir = env.getPath("TOKENWARDEN_DATA_DIR", Path.of(System.getProperty("user.home"), ".tokenwarden"));
    return new ExpiryConfig(
        env.get("TOKENWARDEN_EXPIRY_APPLICATION_ID", DEFAULT_APPLICATION_ID),
        env.get("TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE", "exactly_once_v2").toLowerCase(Locale.ROOT),
        env.getPath("TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams")),
        env.getDuration("TOKENWARDEN_PUNCTUATE_INTERVAL", Duration.ofMillis(100)),
        env.getInt("TOKENWARDEN_PUNCTUATE_MAX_TIMERS", 10_000),
        env.getDuration("TOKENWARDEN_PUNCTUATE_MAX_TIME", Duration.ofMillis(200)),
        env.getDuration("TOKENWARDEN_RETRY_BACKOFF", Duration.ofSeconds(30)),
        env.getDuration("TOKENWARDEN_RETRY_BACKOFF_MAX", Duration.ofMinutes(30)),
        env.getDuration("TOKENWARDEN_COMMAND_TIMEOUT", Duration.ofMinutes(5)),
        env.getInt("TOKENWARDEN_EXPIRY_DEDUP_WINDOW", 32),
        ExpiryPolicies.from(env));
  }

  /** The defaults, with these variables on top; for tests and embedded use. */
  public static ExpiryConfig of(Map<String, String> vars) {
    return from(Env.of(vars));
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ConfigException(name + ": must be a positive duration, got " + d);
    }
  }

  private static void notNegative(String name, Duration d) {
    if (d == null || d.isNegative()) {
      throw new ConfigException(name + ": must not be negative, got " + d);
    }
  }
}
