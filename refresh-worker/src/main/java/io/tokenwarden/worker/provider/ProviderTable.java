package io.tokenwarden.worker.provider;

import static io.tokenwarden.worker.provider.ProviderSpec.How.GENERIC_OAUTH2;
import static io.tokenwarden.worker.provider.ProviderSpec.How.GOOGLE_API20;
import static io.tokenwarden.worker.provider.ProviderSpec.How.INSTAGRAM_API;
import static io.tokenwarden.worker.provider.ProviderSpec.How.LINKEDIN_API20;
import static io.tokenwarden.worker.provider.ProviderSpec.How.NOT_REFRESHABLE;
import static io.tokenwarden.worker.provider.ProviderSpec.How.PINTEREST_V5_API;
import static io.tokenwarden.worker.provider.ProviderSpec.How.TIKTOK_API;
import static io.tokenwarden.worker.provider.ProviderSpec.How.X_API20;

import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.provider.Providers;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which provider is refreshed how. Sources for every row are in {@code refresh-worker/PROVIDERS.md}.
 * Any endpoint can be overridden with {@code TOKENWARDEN_PROVIDER_<ID>_TOKEN_URL}.
 */
public final class ProviderTable {

  /** The built-in providers. */
  public static final List<ProviderSpec> BUILT_IN = List.of(
      //               id           how               documented token endpoint                            rotates
      ProviderSpec.of("youtube",   GOOGLE_API20,     "https://oauth2.googleapis.com/token",                false),
      ProviderSpec.of("linkedin",  LINKEDIN_API20,   "https://www.linkedin.com/oauth/v2/accessToken",      false),
      ProviderSpec.of("instagram", INSTAGRAM_API,    "https://graph.instagram.com/refresh_access_token",   false),
      ProviderSpec.of("x",         X_API20,          "https://api.x.com/2/oauth2/token",                   true),
      ProviderSpec.of("tiktok",    TIKTOK_API,       "https://open.tiktokapis.com/v2/oauth/token/",        true),
      ProviderSpec.of("pinterest", PINTEREST_V5_API, "https://api.pinterest.com/v5/oauth/token",           false),
      ProviderSpec.of("facebook",  NOT_REFRESHABLE,  null,                                                 false));

  private static final Map<String, ProviderSpec> BY_ID =
      BUILT_IN.stream().collect(Collectors.toUnmodifiableMap(ProviderSpec::id, Function.identity()));

  private final Env env;
  private final Providers providers;

  public ProviderTable(Env env) {
    this.env = env;
    this.providers = new Providers(env);
  }

  /**
   * How {@code providerId} is refreshed: a built-in row, a generic OAuth2 provider configured with
   * {@code TOKENWARDEN_PROVIDER_<ID>_TYPE=oauth2} (whose refresh tokens rotate if
   * {@code _ROTATES_REFRESH_TOKEN=true}), or empty for an unknown id.
   */
  public Optional<ProviderSpec> lookup(String providerId) {
    ProviderSpec builtIn = BY_ID.get(providerId);
    if (builtIn != null) {
      return Optional.of(builtIn);
    }
    if (providers.isGenericOAuth2(providerId)) {
      boolean rotates = env.getBoolean(ProviderSettings.var(providerId, "ROTATES_REFRESH_TOKEN"), false);
      return Optional.of(new ProviderSpec(providerId, GENERIC_OAUTH2, Optional.empty(), rotates));
    }
    return Optional.empty();
  }
}
