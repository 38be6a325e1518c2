package io.tokenwarden.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.model.Response;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lifetimes in a token endpoint's answer: {@code 0} for {@code expires_in} or {@code refresh_expires_in} means
 * the provider did not say, never "expired already" (which would make the stream refresh at once, again and
 * again, or put a "!" on a healthy refresh token).
 */
class TokenResponseExtractorTest {

  private final TokenResponseExtractor extractor = new TokenResponseExtractor(Clock.systemUTC());

  private TokenGrant grant(String body) throws IOException {
    OAuth2AccessToken token = extractor.extract(new Response(200, "OK", Map.of("Content-Type", "application/json"),
        body));
    return TokenGrant.of(token);
  }

  @Test
  void aZeroLifetimeMeansUnknown() throws IOException {
    TokenGrant grant = grant("""
        {"access_token": "a", "token_type": "Bearer", "expires_in": 0, "refresh_token": "r", "refresh_expires_in": 0}""");
    assertThat(grant.expiresInSeconds()).isEmpty();
    assertThat(grant.refreshExpiresInSeconds()).isEmpty();
    assertThat(grant("""
        {"access_token": "a", "expires_in": "0", "refresh_token_expires_in": "0"}""").refreshExpiresInSeconds())
        .isEmpty();
  }

  @Test
  void aMissingNegativeOrNonNumericLifetimeIsUnknownToo() throws IOException {
    assertThat(grant("{\"access_token\": \"a\"}").expiresInSeconds()).isEmpty();
    assertThat(grant("{\"access_token\": \"a\", \"expires_in\": -5}").expiresInSeconds()).isEmpty();
    assertThat(grant("{\"access_token\": \"a\", \"expires_in\": \"soon\"}").expiresInSeconds()).isEmpty();
  }

  @Test
  void aPositiveLifetimeIsReadAsANumberOrANumericString() throws IOException {
    TokenGrant grant = grant("""
        {"access_token": "a", "expires_in": "3600", "refresh_token": "r", "refresh_expires_in": 1}""");
    assertThat(grant.expiresInSeconds()).contains(3600L);
    assertThat(grant.refreshExpiresInSeconds()).contains(1L);
  }
}
