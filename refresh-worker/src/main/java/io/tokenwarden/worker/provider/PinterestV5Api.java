package io.tokenwarden.worker.provider;

import com.github.scribejava.core.builder.api.DefaultApi20;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;

/**
 * Pinterest API v5: {@code POST api.pinterest.com/v5/oauth/token}, HTTP Basic client authentication
 * (ScribeJava's default). ScribeJava's own {@code PinterestApi} targets the obsolete v1 API.
 */
public final class PinterestV5Api extends DefaultApi20 {

  private final String tokenUrl;
  private final TokenExtractor<OAuth2AccessToken> extractor;

  public PinterestV5Api(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    this.tokenUrl = tokenUrl;
    this.extractor = extractor;
  }

  @Override
  public String getAccessTokenEndpoint() {
    return tokenUrl;
  }

  @Override
  protected String getAuthorizationBaseUrl() {
    return "https://www.pinterest.com/oauth/";
  }

  @Override
  public TokenExtractor<OAuth2AccessToken> getAccessTokenExtractor() {
    return extractor;
  }
}
