package io.tokenwarden.worker.provider;

import java.util.Optional;

/**
 * How one provider renews tokens: one row of the {@link ProviderTable}.
 *
 * @param id provider id, as on the commands
 * @param how which ScribeJava {@code Api} class does the refresh
 * @param defaultTokenUrl the documented token endpoint; empty for providers without one
 * @param rotatesRefreshToken whether a successful refresh invalidates the refresh token it used (single-use
 *     refresh tokens): the answer must then never be lost, and an {@code invalid_grant} on a re-delivered
 *     command is reported as {@code refresh_token_reused}
 */
public record ProviderSpec(String id, How how, Optional<String> defaultTokenUrl, boolean rotatesRefreshToken) {

  /** The ways Tokenwarden knows to refresh a token. */
  public enum How {
    /** ScribeJava {@code GoogleApi20}: refresh_token grant, HTTP Basic client authentication. */
    GOOGLE_API20,
    /** ScribeJava {@code LinkedInApi20}: refresh_token grant, client id and secret in the body. */
    LINKEDIN_API20,
    /** ScribeJava {@code InstagramApi}: {@code GET refresh_access_token?grant_type=ig_refresh_token}; the access token is refreshed. */
    INSTAGRAM_API,
    /** Our {@link XApi20}: refresh_token grant, HTTP Basic for confidential clients, {@code client_id} in the body for public ones. */
    X_API20,
    /** Our {@link TikTokApi}: refresh_token grant with {@code client_key} and {@code client_secret} in the body. */
    TIKTOK_API,
    /** Our {@link PinterestV5Api}: refresh_token grant, HTTP Basic. */
    PINTEREST_V5_API,
    /** Our {@link GenericOAuth2Api}: any RFC 6749 token endpoint, configured by environment variables. */
    GENERIC_OAUTH2,
    /** No programmatic refresh exists; commands are answered PERMANENT {@code not_refreshable}. */
    NOT_REFRESHABLE
  }

  static ProviderSpec of(String id, How how, String defaultTokenUrl, boolean rotatesRefreshToken) {
    return new ProviderSpec(id, how, Optional.ofNullable(defaultTokenUrl), rotatesRefreshToken);
  }
}
