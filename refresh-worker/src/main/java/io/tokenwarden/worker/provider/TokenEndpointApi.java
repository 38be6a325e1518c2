package io.tokenwarden.worker.provider;

import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.oauth2.clientauthentication.ClientAuthentication;
import com.github.scribejava.core.oauth2.clientauthentication.HttpBasicAuthenticationScheme;

/**
 * A ScribeJava API that the worker uses only to refresh: a token endpoint (overridable for tests and proxies),
 * our response extractor, and a client authentication scheme. Subclasses say only what differs per provider.
 */
abstract class TokenEndpointApi extends DefaultApi20 {

  private final String tokenUrl;
  private final String authorizationBaseUrl;
  private final TokenExtractor<OAuth2AccessToken> extractor;
  private final ClientAuthentication clientAuthentication;

  TokenEndpointApi(String tokenUrl, String authorizationBaseUrl, TokenExtractor<OAuth2AccessToken> extractor,
      ClientAuthentication clientAuthentication) {
    this.tokenUrl = tokenUrl;
    this.authorizationBaseUrl = authorizationBaseUrl;
    this.extractor = extractor;
    this.clientAuthentication = clientAuthentication;
  }

  /** HTTP Basic, ScribeJava's default. */
  static ClientAuthentication basic() {
    return HttpBasicAuthenticationScheme.instance();
  }

  @Override
  public String getAccessTokenEndpoint() {
    return tokenUrl;
  }

  @Override
  protected String getAuthorizationBaseUrl() {
    return authorizationBaseUrl;
  }

  @Override
  public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
    return extractor;
  }

  @Override
  public ClientAuthentication getClientAuthentication() {
    return clientAuthentication;
  }
}
