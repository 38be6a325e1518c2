package io.tokenwarden.worker.provider;

import com.github.scribejava.apis.GoogleApi20;
import com.github.scribejava.apis.InstagramApi;
import com.github.scribejava.apis.LinkedInApi20;
import com.github.scribejava.core.builder.ServiceBuilder;
import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.httpclient.jdk.JDKHttpClientConfig;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.oauth.OAuth20Service;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/** A {@link TokenEndpoint} on a ScribeJava {@link OAuth20Service}, with connect and read timeouts always set. */
public final class ScribeTokenEndpoint implements TokenEndpoint {

  static {
    // HttpURLConnection silently re-sends a POST once when a kept-alive connection fails; a single-use refresh
    // token must never be sent twice behind our back. Respect an explicit setting.
    if (System.getProperty("sun.net.http.retryPost") == null) {
      System.setProperty("sun.net.http.retryPost", "false");
    }
  }

  private final OAuth20Service service;
  private final boolean refreshesAccessToken;
  private final Optional<String> scope;

  private ScribeTokenEndpoint(OAuth20Service service, boolean refreshesAccessToken, Optional<String> scope) {
    this.service = service;
    this.refreshesAccessToken = refreshesAccessToken;
    this.scope = scope;
  }

  /**
   * The endpoint of {@code spec}'s provider with {@code settings}.
   *
   * @throws ConfigException if the client id is missing or the provider cannot be refreshed
   */
  public static ScribeTokenEndpoint create(ProviderSpec spec, ProviderSettings settings, Clock clock) {
    String clientId = settings.clientId().orElseThrow(() -> new ConfigException(
        ProviderSettings.var(spec.id(), "CLIENT_ID") + " must be set to refresh " + spec.id() + " tokens"));
    if (spec.how() != ProviderSpec.How.X_API20 && spec.how() != ProviderSpec.How.INSTAGRAM_API
        && settings.clientSecret().isEmpty()) {
      throw new ConfigException(ProviderSettings.var(spec.id(), "CLIENT_SECRET") + " must be set to refresh "
          + spec.id() + " tokens");
    }
    TokenExtractor<OAuth2AccessToken> extractor = new TokenResponseExtractor(clock);
    String url = settings.tokenUrl().orElse(null);
    DefaultApi20 api = switch (spec.how()) {
      case GOOGLE_API20 -> new GoogleApi20() {
        @Override public String getAccessTokenEndpoint() {
          return url;
        }

        @Override public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
          return extractor;
        }
      };
      case LINKEDIN_API20 -> new LinkedInApi20() {
        @Override public String getAccessTokenEndpoint() {
          return url;
        }

        @Override public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
          return extractor;
        }
      };
      case INSTAGRAM_API -> new InstagramApi() {
        @Override public String getRefreshTokenEndpoint() {
          return url;
        }

        @Override public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
          return extractor;
        }
      };
      case X_API20 -> new XApi20(url, extractor);
      case TIKTOK_API -> new TikTokApi(url, extractor);
      case PINTEREST_V5_API -> new PinterestV5Api(url, extractor);
      case GENERIC_OAUTH2 -> new GenericOAuth2Api(url, settings.clientAuth(), extractor);
      case NOT_REFRESHABLE -> throw new ConfigException(spec.id() + " tokens cannot be refreshed");
    };
    int timeoutMillis = (int) settings.timeout().toMillis();
    JDKHttpClientConfig http = JDKHttpClientConfig.defaultConfig();
    http.setConnectTimeout(timeoutMillis);
    http.setReadTimeout(timeoutMillis);
    http.setFollowRedirects(false);
    ServiceBuilder builder = new ServiceBuilder(clientId).httpClientConfig(http).userAgent("tokenwarden-worker");
    settings.clientSecret().ifPresent(builder::apiSecret);
    Optional<String> scope = spec.how() == ProviderSpec.How.GENERIC_OAUTH2 ? settings.scope() : Optional.empty();
    return new ScribeTokenEndpoint(builder.build(api), spec.how() == ProviderSpec.How.INSTAGRAM_API, scope);
  }

  @Override
  public TokenGrant refresh(TokenCredentials credentials) throws IOException, InterruptedException {
    // Instagram refreshes the long-lived access token itself; every other provider takes the refresh token.
    String grant = refreshesAccessToken ? credentials.accessToken()
        : credentials.refreshToken().orElseThrow(() -> new IllegalArgumentException("no refresh token"));
    try {
      OAuth2AccessToken token = scope.isPresent() ? service.refreshAccessToken(grant, scope.get())
          : service.refreshAccessToken(grant);
      return TokenGrant.of(token);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("token request failed: " + e.getCause().getClass().getSimpleName());
    }
  }

  /** Whether this endpoint refreshes the access token rather than using a refresh token (Instagram). */
  public boolean refreshesAccessToken() {
    return refreshesAccessToken;
  }
}
