package io.tokenwarden.worker.provider;

import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.oauth2.clientauthentication.ClientAuthentication;

/**
 * TikTok Login Kit v2: {@code POST open.tiktokapis.com/v2/oauth/token/} with {@code client_key} (not
 * {@code client_id}) and {@code client_secret} in the form body. The answer carries {@code expires_in} and
 * {@code refresh_expires_in}; refresh tokens rotate.
 */
public final class TikTokApi extends DefaultApi20 {

  private final String tokenUrl;
  private final TokenExtractor<OAuth2AccessToken> extractor;

  public TikTokApi(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    this.tokenUrl = tokenUrl;
    this.extractor = extractor;
  }

  @Override
  public String getAccessTokenEndpoint() {
    return tokenUrl;
  }

  @Override
  protected String getAuthorizationBaseUrl() {
    return "https://www.tiktok.com/v2/auth/authorize/";
  }

  @Override
  public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
    return extractor;
  }

  @Override
  public ClientAuthentication getClientAuthentication() {
    return (request, apiKey, apiSecret) -> {
      request.addBodyParameter("client_key", apiKey);
      if (apiSecret != null) {
        request.addBodyParameter("client_secret", apiSecret);
      }
    };
  }
}
