package io.tokenwarden.stream.policy;

import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.stream.policy.ExpiryPolicy.Refreshable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The expiry policy of every known provider: built-in defaults (see the README for their sources), then
 * overrides from {@code TOKENWARDEN_POLICY_<PROVIDER>_<FIELD>}. Fields are {@code REFRESHABLE}
 * ({@code true}, {@code false} or {@code if_refresh_token}), {@code REFRESH_BEFORE}, {@code WARN_BEFORE},
 * {@code REFRESH_TOKEN_WARN_BEFORE}, {@code KEEP_ALIVE_EVERY}, {@code JITTER} and {@code MIN_REFRESH_INTERVAL};
 * durations are ISO-8601 and the optional ones accept {@code none}.
 *
 * <p>Built-in providers are parsed when this is created, so a bad override fails at start-up. Generic OAuth2
 * providers ({@code TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2}) start from {@link #GENERIC} and are parsed on
 * first use, because their ids are not known in advance. A provider that is neither (a connection stored before
 * its provider was removed from the configuration, or one this instance does not know yet during a rolling
 * deploy) also gets {@link #GENERIC}: {@link #resolve} says so, and the stream counts and logs it.
 */
public final class ExpiryPolicies {

  /** Built-in defaults, by provider id. */
  public static final Map<String, ExpiryPolicy> DEFAULTS = defaults();

  /** Defaults of a generic OAuth2 provider: a typical one-hour access token with a refresh token. */
  public static final ExpiryPolicy GENERIC = ExpiryPolicy.of(Refreshable.ALWAYS, "PT5M", "PT2M", null, null, "PT1M");

  private final Env env;
  private final Providers providers;
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

  /** A provider's policy, and whether the provider is known (built in or configured) or got the fallback. */
  public record Resolved(ExpiryPolicy policy, boolean known) {}

  private ExpiryPolicies(Env env) {
    this.env = env;
    this.providers = new Providers(env);
    DEFAULTS.keySet().forEach(this::resolve);
    checkEveryOverride();
  }

  /** Longest first, so that {@code _REFRESH_TOKEN_WARN_BEFORE} is not read as {@code _WARN_BEFORE}. */
  private static final List<String> FIELDS = List.of("REFRESH_TOKEN_WARN_BEFORE", "MIN_REFRESH_INTERVAL",
      "KEEP_ALIVE_EVERY", "REFRESH_BEFORE", "WARN_BEFORE", "REFRESHABLE", "JITTER");

  /**
   * Parses every {@code TOKENWARDEN_POLICY_*} variable now, generic providers' included, so that a typo fails at
   * start-up rather than when a provider is first seen.
   */
  private void checkEveryOverride() {
    String prefix = "TOKENWARDEN_POLICY_";
    for (String name : env.names()) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      String field = FIELDS.stream().filter(f -> name.endsWith("_" + f)).findFirst()
          .orElseThrow(() -> new ConfigException(name + ": unknown policy field; expected one of " + FIELDS));
      if (name.length() <= prefix.length() + field.length() + 1) {
        throw new ConfigException(name + ": names no provider; expected TOKENWARDEN_POLICY_<PROVIDER>_" + field);
      }
      String value = env.get(name).orElse("");
      if (field.equals("REFRESHABLE")) {
        refreshable(name, value);
      } else if ((field.equals("WARN_BEFORE") || field.equals("MIN_REFRESH_INTERVAL")) && value.equalsIgnoreCase("none")) {
        throw new ConfigException(name + ": must be a duration, not none");
      } else {
        optionalDuration(name, Optional.empty());
      }
    }
  }

  /** Policies with overrides from {@code env}; fails fast, naming the bad variable. */
  public static ExpiryPolicies from(Env env) {
    return new ExpiryPolicies(env);
  }

  /** Whether {@code provider} is built in or configured as a generic OAuth2 provider. */
  public boolean isKnown(String provider) {
    return providers.isKnown(provider);
  }

  /**
   * The policy of {@code provider}: its own if it is known, the {@link #GENERIC} default (with any
   * {@code TOKENWARDEN_POLICY_<PROVIDER>_*} overrides) if not. Never throws for a provider id.
   *
   * @throws ConfigException if one of the provider's overrides is malformed
   */
  public ExpiryPolicy forProvider(String provider) {
    return resolve(provider).policy();
  }

  /** As {@link #forProvider}, saying whether the provider is known; one map look-up once resolved. */
  public Resolved resolve(String provider) {
    Resolved cached = resolved.get(provider);
    if (cached != null) {
      return cached;
    }
    boolean known = isKnown(provider);
    Resolved r = new Resolved(withOverrides(provider, DEFAULTS.getOrDefault(provider, GENERIC)), known);
    resolved.put(provider, r);
    return r;
  }

  private ExpiryPolicy withOverrides(String provider, ExpiryPolicy base) {
    String prefix = "TOKENWARDEN_POLICY_" + Env.envKey(provider) + "_";
    Refreshable refreshable = env.get(prefix + "REFRESHABLE").map(v -> refreshable(prefix + "REFRESHABLE", v))
        .orElse(base.refreshable());
    return new ExpiryPolicy(
        refreshable,
        optionalDuration(prefix + "REFRESH_BEFORE", base.refreshBefore()),
        optionalDuration(prefix + "WARN_BEFORE", Optional.of(base.warnBefore()))
            .orElseThrow(() -> new ConfigException(prefix + "WARN_BEFORE: must be a duration, not none")),
        optionalDuration(prefix + "REFRESH_TOKEN_WARN_BEFORE", base.refreshTokenWarnBefore()),
        optionalDuration(prefix + "KEEP_ALIVE_EVERY", base.keepAliveEvery()),
        optionalDuration(prefix + "JITTER", Optional.of(base.jitter())).orElse(Duration.ZERO),
        optionalDuration(prefix + "MIN_REFRESH_INTERVAL", Optional.of(base.minRefreshInterval()))
            .orElseThrow(() -> new ConfigException(prefix + "MIN_REFRESH_INTERVAL: must be a duration, not none")));
  }

  private static Refreshable refreshable(String name, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes" -> Refreshable.ALWAYS;
      case "false", "no" -> Refreshable.NEVER;
      case "if_refresh_token" -> Refreshable.IF_REFRESH_TOKEN;
      default -> throw new ConfigException(name + ": expected true, false or if_refresh_token, got '" + value + "'");
    };
  }

  private Optional<Duration> optionalDuration(String name, Optional<Duration> base) {
    Optional<String> value = env.get(name);
    if (value.isEmpty()) {
      return base;
    }
    if (value.get().equalsIgnoreCase("none")) {
      return Optional.empty();
    }
    try {
      Duration d = Duration.parse(value.get());
      if (d.isNegative()) {
        throw new ConfigException(name + ": must not be negative, got '" + value.get() + "'");
      }
      return Optional.of(d);
    } catch (DateTimeParseException e) {
      throw new ConfigException(name + ": expected an ISO-8601 duration such as PT10M or P7D, or none, got '"
          + value.get() + "'");
    }
  }

  private static Map<String, ExpiryPolicy> defaults() {
    Map<String, ExpiryPolicy> d = new LinkedHashMap<>();
    // Long-lived user tokens that only a new login renews; page tokens may never expire (expiresAt null).
    d.put("facebook", ExpiryPolicy.of(Refreshable.NEVER, null, "P7D", null, null, "PT0S"));
    d.put("instagram", ExpiryPolicy.of(Refreshable.ALWAYS, "P7D", "P3D", null, null, "PT6H"));
    // Refresh tokens exist only for approved partners; refreshing does not extend their 365 days.
    d.put("linkedin", ExpiryPolicy.of(Refreshable.IF_REFRESH_TOKEN, "P7D", "P3D", "P14D", null, "PT6H"));
    d.put("x", ExpiryPolicy.of(Refreshable.ALWAYS, "PT10M", "PT5M", null, null, "PT1M"));
    d.put("tiktok", ExpiryPolicy.of(Refreshable.ALWAYS, "PT30M", "PT10M", "P14D", null, "PT5M"));
    // Unused refresh tokens die after six months, so refresh at least monthly.
    d.put("youtube", ExpiryPolicy.of(Refreshable.ALWAYS, "PT5M", "PT2M", null, "P30D", "PT1M"));
    d.put("pinterest", ExpiryPolicy.of(Refreshable.ALWAYS, "P3D", "P1D", "P14D", null, "PT3H"));
    return Map.copyOf(d);
  }
}
