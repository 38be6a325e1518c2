package io.tokenwarden.worker;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.provider.Providers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the refresh worker, parsed once from the environment by {@link #from(Env)}, which fails fast and
 * names the bad variable. Kafka client settings are not here: they come from {@code KAFKA_*} variables and are
 * passed to {@link RefreshWorkerRunner#start} separately. Provider settings
 * ({@code TOKENWARDEN_PROVIDER_<ID>_*}) are read from {@link #env()} when a provider is first used.
 *
 * @param groupId consumer group of the workers ({@code TOKENWARDEN_WORKER_GROUP_ID}, default
 *     {@value #DEFAULT_GROUP_ID})
 * @param transactionalId transactional id of this instance's producer ({@code TOKENWARDEN_WORKER_TRANSACTIONAL_ID},
 *     default {@code tokenwarden-worker-<hostname>}). Must be unique per running instance and stable across its
 *     restarts: a restarted instance then aborts its predecessor's open transaction at once
 * @param concurrency most commands handled at once ({@code TOKENWARDEN_WORKER_CONCURRENCY}, default 64)
 * @param maxBuffered most commands held (in flight, waiting behind their connection, or done but not yet
 *     committed) before fetching pauses ({@code TOKENWARDEN_WORKER_MAX_BUFFERED}, default 4 x concurrency)
 * @param shutdownTimeout how long a graceful stop may take: in-flight calls are finished or abandoned within it
 *     ({@code TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT}, default {@code PT30S})
 * @param stallTimeout how long a partition with pending commands may go without its committed offset moving
 *     before {@code /health/live} fails ({@code TOKENWARDEN_WORKER_STALL_TIMEOUT}, default {@code PT5M}): longer
 *     than a command can legitimately take, the provider's {@code _RATE_LIMIT_WAIT} plus {@code _TIMEOUT} (20 s
 *     by default) times the rounds it may wait for a free call slot
 * @param env the environment, for the provider settings
 */
public record WorkerConfig(
    String groupId,
    String transactionalId,
    int concurrency,
    int maxBuffered,
    Duration shutdownTimeout,
    Duration stallTimeout,
    Env env) {

  public static final String DEFAULT_GROUP_ID = "tokenwarden-worker";
  public static final int DEFAULT_CONCURRENCY = 64;
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);

  public WorkerConfig {
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(transactionalId, "transactionalId");
    Objects.requireNonNull(env, "env");
    if (concurrency < 1 || concurrency > 10_000) {
      throw new ConfigException("TOKENWARDEN_WORKER_CONCURRENCY: must be between 1 and 10000, got " + concurrency);
    }
    if (maxBuffered < concurrency) {
      throw new ConfigException("TOKENWARDEN_WORKER_MAX_BUFFERED: must be at least the concurrency (" + concurrency
          + "), got " + maxBuffered);
    }
    if (shutdownTimeout == null || shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
      throw new ConfigException("TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT: must be a positive duration, got "
          + shutdownTimeout);
    }
    if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new ConfigException("TOKENWARDEN_WORKER_STALL_TIMEOUT: must be a positive duration, got "
          + stallTimeout);
    }
  }

  /** Parses every setting from {@code env}; unset variables take their defaults. */
  public static WorkerConfig from(Env env) {
    int concurrency = env.getInt("TOKENWARDEN_WORKER_CONCURRENCY", DEFAULT_CONCURRENCY);
    return new WorkerConfig(
        env.get("TOKENWARDEN_WORKER_GROUP_ID", DEFAULT_GROUP_ID),
        env.get("TOKENWARDEN_WORKER_TRANSACTIONAL_ID").orElseGet(() -> "tokenwarden-worker-" + hostname(env)),
        concurrency,
        env.getInt("TOKENWARDEN_WORKER_MAX_BUFFERED", 4 * Math.max(concurrency, 1)),
        env.getDuration("TOKENWARDEN_WORKER_SHUTDOWN_TIMEOUT", Duration.ofSeconds(30)),
        env.getDuration("TOKENWARDEN_WORKER_STALL_TIMEOUT", DEFAULT_STALL_TIMEOUT),
        env);
  }

  /** The defaults, with these variables on top; for tests and embedded use. */
  public static WorkerConfig of(Map<String, String> vars) {
    return from(Env.of(vars));
  }

  /** The provider ids known at start-up: the built-in ones and every generic OAuth2 provider configured. */
  public List<String> providers() {
    Providers known = new Providers(env);
    List<String> ids = new ArrayList<>(Providers.BUILT_IN);
    for (String name : env.names()) {
      if (name.startsWith(PROVIDER_PREFIX) && name.endsWith(TYPE_SUFFIX)
          && name.length() > PROVIDER_PREFIX.length() + TYPE_SUFFIX.length()) {
        String id = name.substring(PROVIDER_PREFIX.length(), name.length() - TYPE_SUFFIX.length())
            .toLowerCase(Locale.ROOT);
        if (!ids.contains(id) && known.isGenericOAuth2(id)) {
          ids.add(id);
        }
      }
    }
    return List.copyOf(ids);
  }

  private static final String PROVIDER_PREFIX = "TOKENWARDEN_PROVIDER_";
  private static final String TYPE_SUFFIX = "_TYPE";

  private static String hostname(Env env) {
    return env.get("HOSTNAME").orElseGet(() -> {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "local";
      }
    });
  }
}
