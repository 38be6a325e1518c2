package io.tokenwarden.worker.provider;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Settings of one provider, from {@code TOKENWARDEN_PROVIDER_<ID>_*}. {@link #toString()} never shows the
 * client secret.
 *
 * @param providerId the provider id
 * @param clientId {@code _CLIENT_ID}
 * @param clientSecret {@code _CLIENT_SECRET}; empty for public clients (X allows those)
 * @param tokenUrl {@code _TOKEN_URL}, else the provider's documented endpoint; required for generic providers
 * @param clientAuth {@code _CLIENT_AUTH}: {@code basic} (default) or {@code post}; generic providers only
 * @param scope {@code _SCOPE}: scope sent with the refresh; generic providers only
 * @param timeout {@code _TIMEOUT}: connect and read timeout of each call (default {@code PT10S})
 * @param maxRps {@code _MAX_RPS}: most token requests per second to this provider from one worker
 *     (default 20)
 * @param rateLimitWait {@code _RATE_LIMIT_WAIT}: longest wait for a rate-limit permit before the command is
 *     answered TRANSIENT {@code rate_limited} (default {@code PT10S})
 * @param circuitFailureRate {@code _CIRCUIT_FAILURE_RATE}: percentage of failed calls that opens the circuit
 *     (default 50)
 * @param circuitMinCalls {@code _CIRCUIT_MIN_CALLS}: calls in the window before the rate counts (default 20)
 * @param circuitOpenFor {@code _CIRCUIT_OPEN_FOR}: how long an open circuit refuses calls (default {@code PT30S})
 */
public record ProviderSettings(
    String providerId,
    Optional<String> clientId,
    Optional<String> clientSecret,
    Optional<String> tokenUrl,
    ClientAuth clientAuth,
    Optional<String> scope,
    Duration timeout,
    double maxRps,
    Duration rateLimitWait,
    float circuitFailureRate,
    int circuitMinCalls,
    Duration circuitOpenFor) {

  /** How a generic provider authenticates the client at the token endpoint. */
  public enum ClientAuth { BASIC, POST }

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final double DEFAULT_MAX_RPS = 20;

  /** The variable {@code TOKENWARDEN_PROVIDER_<ID>_<FIELD>}. */
  public static String var(String providerId, String field) {
    return "TOKENWARDEN_PROVIDER_" + Env.envKey(providerId) + "_" + field;
  }

  /** Parses the settings of {@code spec}'s provider; fails naming the bad variable. */
  public static ProviderSettings from(Env env, ProviderSpec spec) {
    String id = spec.id();
    Optional<String> tokenUrl = env.get(var(id, "TOKEN_URL")).or(spec::defaultTokenUrl);
    tokenUrl.ifPresent(url -> checkUrl(var(id, "TOKEN_URL"), url));
    if (spec.how() == ProviderSpec.How.GENERIC_OAUTH2 && tokenUrl.isEmpty()) {
      throw new ConfigException(var(id, "TOKEN_URL") + " must be set for the generic OAuth2 provider " + id);
    }
    ClientAuth auth = env.get(var(id, "CLIENT_AUTH")).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
      case "basic" -> ClientAuth.BASIC;
      case "post" -> ClientAuth.POST;
      default -> throw new ConfigException(var(id, "CLIENT_AUTH") + ": expected basic or post, got '" + v + "'");
    }).orElse(ClientAuth.BASIC);
    Duration timeout = positive(var(id, "TIMEOUT"), env.getDuration(var(id, "TIMEOUT"), DEFAULT_TIMEOUT));
    if (timeout.toMillis() > Integer.MAX_VALUE) {
      throw new ConfigException(var(id, "TIMEOUT") + ": too long, got " + timeout);
    }
    double maxRps = env.get(var(id, "MAX_RPS")).map(v -> {
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(var(id, "MAX_RPS") + ": expected a number, got '" + v + "'");
      }
    }).orElse(DEFAULT_MAX_RPS);
    if (!(maxRps > 0) || maxRps > 100_000) {
      throw new ConfigException(var(id, "MAX_RPS") + ": must be between 0 (exclusive) and 100000, got " + maxRps);
    }
    Duration rateLimitWait = env.getDuration(var(id, "RATE_LIMIT_WAIT"), Duration.ofSeconds(10));
    if (rateLimitWait.isNegative()) {
      throw new ConfigException(var(id, "RATE_LIMIT_WAIT") + ": must not be negative, got " + rateLimitWait);
    }
    int failureRate = env.getInt(var(id, "CIRCUIT_FAILURE_RATE"), 50);
    if (failureRate < 1 || failureRate > 100) {
      throw new ConfigException(var(id, "CIRCUIT_FAILURE_RATE") + ": must be between 1 and 100, got " + failureRate);
    }
    int minCalls = env.getInt(var(id, "CIRCUIT_MIN_CALLS"), 20);
    if (minCalls < 1) {
      throw new ConfigException(var(id, "CIRCUIT_MIN_CALLS") + ": must be at least 1, got " + minCalls);
    }
    Duration openFor = positive(var(id, "CIRCUIT_OPEN_FOR"), env.getDuration(var(id, "CIRCUIT_OPEN_FOR"),
        Duration.ofSeconds(30)));
    return new ProviderSettings(id, env.get(var(id, "CLIENT_ID")), env.get(var(id, "CLIENT_SECRET")), tokenUrl,
        auth, env.get(var(id, "SCOPE")), timeout, maxRps, rateLimitWait, failureRate, minCalls, openFor);
  }

  private static void checkUrl(String name, String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new ConfigException(name + ": expected an http or https URL, got '" + url + "'");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ": not a URL: '" + url + "'");
    }
  }

  private static Duration positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(name + ": must be a positive duration, got " + d);
    }
    return d;
  }

  @Override
  public String toString() {
    return "ProviderSettings[" + providerId + ", clientId=" + clientId.orElse("(none)") + ", clientSecret="
        + (clientSecret.isPresent() ? "***" : "(none)") + ", tokenUrl=" + tokenUrl.orElse("(none)") + ", clientAuth="
        + clientAuth + ", timeout=" + timeout + ", maxRps=" + maxRps + "]";
  }
}
