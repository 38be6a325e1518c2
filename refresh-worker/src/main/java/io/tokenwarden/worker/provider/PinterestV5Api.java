package io.tokenwarden.worker.provider;

import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;

/**
 * Pinterest API v5: {@code POST api.pinterest.com/v5/oauth/token}, HTTP Basic client authentication.
 * ScribeJava's own {@code PinterestApi} targets the obsolete v1 API.
 */
public final class PinterestV5Api extends TokenEndpointApi {

  public PinterestV5Api(String tokenUrl, TokenExtractor<OAuth2AccessToken> extractor) {
    super(tokenUrl, "https://www.pinterest.com/oauth/", extractor, basic());
  }
}
