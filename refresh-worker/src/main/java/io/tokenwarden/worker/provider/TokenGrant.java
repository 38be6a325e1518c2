package io.tokenwarden.worker.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.scribejava.core.model.OAuth2AccessToken;
import java.util.Optional;

/**
 * What a successful refresh returned. {@link #toString()} never shows a token.
 *
 * @param accessToken the new access token
 * @param refreshToken the new refresh token, if the provider returned one (rotation)
 * @param expiresInSeconds {@code expires_in}
 * @param refreshExpiresInSeconds {@code refresh_expires_in} (TikTok) or {@code refresh_token_expires_in}
 *     (LinkedIn, Google, Pinterest); ScribeJava does not read these, so they come from the raw response
 */
public record TokenGrant(String accessToken, Optional<String> refreshToken, Optional<Long> expiresInSeconds,
    Optional<Long> refreshExpiresInSeconds) {

  /** Reads a token parsed by {@link TokenResponseExtractor}. */
  public static TokenGrant of(OAuth2AccessToken token) {
    JsonNode raw = TokenResponseExtractor.parse(token.getRawResponse());
    Optional<Long> refreshExpiresIn = raw == null ? Optional.empty()
        : TokenResponseExtractor.seconds(raw, "refresh_expires_in")
            .or(() -> TokenResponseExtractor.seconds(raw, "refresh_token_expires_in"));
    return new TokenGrant(token.getAccessToken(),
        Optional.ofNullable(token.getRefreshToken()).filter(t -> !t.isBlank()),
        Optional.ofNullable(token.getExpiresIn()).map(Integer::longValue), refreshExpiresIn);
  }

  @Override
  public String toString() {
    return "TokenGrant[accessToken=***, refreshToken=" + (refreshToken.isPresent() ? "***" : "none")
        + ", expiresIn=" + expiresInSeconds.map(String::valueOf).orElse("-")
        + ", refreshExpiresIn=" + refreshExpiresInSeconds.map(String::valueOf).orElse("-") + "]";
  }
}
