package io.tokenwarden.runtime.provider;

import io.tokenwarden.runtime.config.Env;
import java.util.List;
import java.util.Locale;

/**
 * Which provider ids Tokenwarden accepts: the built-in social networks, plus any generic OAuth2 provider
 * configured with {@code TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2}.
 */
public final class Providers {

  /** The built-in providers, by id. */
  public static final List<String> BUILT_IN =
      List.of("facebook", "instagram", "linkedin", "x", "tiktok", "youtube", "pinterest");

  private final Env env;

  public Providers(Env env) {
    this.env = env;
  }

  /** Whether {@code id} is built in or configured as a generic OAuth2 provider. */
  public boolean isKnown(String id) {
    return id != null && (BUILT_IN.contains(id) || isGenericOAuth2(id));
  }

  /** Whether {@code id} is configured as a generic OAuth2 provider. */
  public boolean isGenericOAuth2(String id) {
    return env.get("TOKENWARDEN_PROVIDER_" + Env.envKey(id) + "_TYPE")
        .map(t -> t.toLowerCase(Locale.ROOT).equals("oauth2"))
        .orElse(false);
  }
}
