package io.tokenwarden.worker.provider;

import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.oauth2.clientauthentication.RequestBodyAuthenticationScheme;

/** Any RFC 6749 token endpoint, with client authentication by HTTP Basic or in the body. */
public final class GenericOAuth2Api extends TokenEndpointApi {

  public GenericOAuth2Api(String tokenUrl, ProviderSettings.ClientAuth clientAuth,
      TokenExtractor<OAuth2AccessToken> extractor) {
    // The authorization URL is never used: the worker only refreshes.
    super(tokenUrl, tokenUrl, extractor, clientAuth == ProviderSettings.ClientAuth.POST
        ? RequestBodyAuthenticationScheme.instance() : basic());
  }
}
