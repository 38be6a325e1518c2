package io.tokenwarden.worker.provider;

import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.model.OAuthRequest;
import com.github.scribejava.core.oauth2.clientauthentication.ClientAuthentication;
import com.github.scribejava.core.oauth2.clientauthentication.HttpBasicAuthenticationScheme;

/**
 * X (Twitter) OAuth 2.0 with PKCE: {@code POST api.x.com/2/oauth2/token}. Confidential clients authenticate
 * with HTTP Basic; public clients (no secret) send {@code client_id} in the body. Refresh tokens rotate.
 */
public final class XApi20 extends DefaultApi20 {

  private final String tokenUrl;
  private final TokenExtractor<OAuth2AccessToken> extractor;

  public XApi20(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    this.tokenUrl = tokenUrl;
    this.extractor = extractor;
  }

  @Override
  public String getAccessTokenEndpoint() {
    return tokenUrl;
  }

  @Override
  protected String getAuthorizationBaseUrl() {
    return "https://x.com/i/oauth2/authorize";
  }

  @Override
  public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
    return extractor;
  }

  @Override
  public ClientAuthentication getClientAuthentication() {
    return XClientAuthentication.INSTANCE;
  }

  private static final class XClientAuthentication implements ClientAuthentication {
    static final XClientAuthentication INSTANCE = new XClientAuthentication();

    @Override
    public void addClientAuthentication(OAuthRequest request, String apiKey, String apiSecret) {
      if (apiSecret == null || apiSecret.isEmpty()) {
        request.addBodyParameter("client_id", apiKey);
      } else {
        HttpBasicAuthenticationScheme.instance().addClientAuthentication(request, apiKey, apiSecret);
      }
    }
  }
}
