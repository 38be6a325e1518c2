package io.tokenwarden.worker.provider;

import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.oauth2.clientauthentication.ClientAuthentication;
import com.github.scribejava.core.oauth2.clientauthentication.HttpBasicAuthenticationScheme;
import com.github.scribejava.core.oauth2.clientauthentication.RequestBodyAuthenticationScheme;

/** Any RFC 6749 token endpoint, with client authentication by HTTP Basic or in the body. */
public final class GenericOAuth2Api extends DefaultApi20 {

  private final String tokenUrl;
  private final ProviderSettings.ClientAuth clientAuth;
  private final TokenExtractor<OAuth2AccessToken> extractor;

  public GenericOAuth2Api(String tokenUrl, ProviderSettings.ClientAuth clientAuth,
      TokenExtractor<OAuth2AccessToken> extractor) {
    this.tokenUrl = tokenUrl;
    this.clientAuth = clientAuth;
    this.extractor = extractor;
  }

  @Override
  public String getAccessTokenEndpoint() {
    return tokenUrl;
  }

  @Override
  protected String getAuthorizationBaseUrl() {
    // Never used: the worker only refreshes.
    return tokenUrl;
  }

  @Override
  public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
    return extractor;
  }

  @Override
  public ClientAuthentication getClientAuthentication() {
    return clientAuth == ProviderSettings.ClientAuth.POST
        ? RequestBodyAuthenticationScheme.instance() : HttpBasicAuthenticationScheme.instance();
  }
}
