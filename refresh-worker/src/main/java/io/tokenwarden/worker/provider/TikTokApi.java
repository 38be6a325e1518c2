package io.tokenwarden.worker.provider;

import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;

/**
 * TikTok Login Kit v2: {@code POST open.tiktokapis.com/v2/oauth/token/} with {@code client_key} (not
 * {@code client_id}) and {@code client_secret} in the form body. The answer carries {@code expires_in} and
 * {@code refresh_expires_in}; refresh tokens rotate.
 */
public final class TikTokApi extends TokenEndpointApi {

  public TikTokApi(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    super(tokenUrl, "https://www.tiktok.com/v2/auth/authorize/", extractor, (request, apiKey, apiSecret) -> {
      request.addBodyParameter("client_key", apiKey);
      if (apiSecret != null) {
        request.addBodyParameter("client_secret", apiSecret);
      }
    });
  }
}
