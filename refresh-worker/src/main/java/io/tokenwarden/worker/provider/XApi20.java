package io.tokenwarden.worker.provider;

import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;

/**
 * X (Twitter) OAuth 2.0 with PKCE: {@code POST api.x.com/2/oauth2/token}. Confidential clients authenticate
 * with HTTP Basic; public clients (no secret) send {@code client_id} in the body. Refresh tokens rotate.
 */
public final class XApi20 extends TokenEndpointApi {

  public XApi20(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    super(tokenUrl, "https://x.com/i/oauth2/authorize", extractor, (request, apiKey, apiSecret) -> {
      if (apiSecret == null || apiSecret.isEmpty()) {
        request.addBodyParameter("client_id", apiKey);
      } else {
        basic().addClientAuthentication(request, apiKey, apiSecret);
      }
    });
  }
}
