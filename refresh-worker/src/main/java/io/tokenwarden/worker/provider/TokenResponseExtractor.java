package io.tokenwarden.worker.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.scribejava.core.extractors.TokenExtractor;
import com.github.scribejava.core.model.OAuth2AccessToken;
import com.github.scribejava.core.model.Response;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a token endpoint's answer for every provider. Unlike ScribeJava's extractors it keeps the HTTP status
 * and {@code Retry-After}, accepts {@code expires_in} as a number or a numeric string ({@code 0} meaning that the
 * provider did not say, see {@link #seconds}), reads Facebook Graph
 * error objects, treats an {@code error} field in a 2xx body as an error (TikTok answers errors with 200), and
 * reports unreadable bodies as {@link TokenEndpointError#malformed} instead of a Jackson exception.
 */
public final class TokenResponseExtractor implements TokenExtractor<OAuth2AccessToken> {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;

  public TokenResponseExtractor(Clock clock) {
    this.clock = clock;
  }

  @Override
  public OAuth2AccessToken extract(Response response) throws IOException {
    int status = response.getCode();
    Optional<Instant> retryAfter = RetryAfter.parse(header(response.getHeaders(), "Retry-After"), clock.instant());
    String body = response.getBody();
    JsonNode json = parse(body);
    boolean success = status >= 200 && status < 300;
    if (json == null || !json.isObject()) {
      throw TokenEndpointError.malformed(status, retryAfter);
    }
    JsonNode error = json.get("error");
    if (!success || (error != null && !error.isNull() && !json.hasNonNull("access_token"))) {
      throw errorAnswer(status, json, retryAfter);
    }
    String accessToken = text(json, "access_token").orElse(null);
    if (accessToken == null || accessToken.isBlank()) {
      throw TokenEndpointError.malformed(status, retryAfter);
    }
    Integer expiresIn = seconds(json, "expires_in").map(s -> (int) Math.min(s, Integer.MAX_VALUE)).orElse(null);
    return new OAuth2AccessToken(accessToken, text(json, "token_type").orElse(null), expiresIn,
        text(json, "refresh_token").orElse(null), text(json, "scope").orElse(null), body);
  }

  private static TokenEndpointError errorAnswer(int status, JsonNode json, Optional<Instant> retryAfter) {
    JsonNode error = json.get("error");
    if (error != null && error.isObject()) {
      // Facebook Graph format: {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
      // TikTok's API v2 uses the same shape with a string code: {"error": {"code", "message", "log_id"}}.
      boolean numeric = error.hasNonNull("code") && error.get("code").isIntegralNumber();
      Optional<Integer> code = numeric ? Optional.of(error.get("code").asInt()) : Optional.empty();
      Optional<String> name = numeric ? text(error, "type") : text(error, "code").or(() -> text(error, "type"));
      return TokenEndpointError.answer(status, name, text(error, "message"), code, retryAfter);
    }
    Optional<String> code = text(json, "error");
    Optional<String> description = text(json, "error_description").or(() -> text(json, "message"));
    if (code.isEmpty() && json.hasNonNull("code")) {
      // Pinterest format: {"code": <int>, "message": "..."}.
      code = Optional.of(json.get("code").asText());
    }
    return TokenEndpointError.answer(status, code, description, Optional.empty(), retryAfter);
  }

  /**
   * A lifetime in seconds ({@code expires_in}, {@code refresh_expires_in}), given as a JSON number or a numeric
   * string. Empty when the provider did not say: the field is missing, not a number, negative, or 0. Some
   * providers send {@code 0} for "no expiry given"; a token that lives no time at all is never what they mean,
   * and taking it literally would make the stream refresh at once, again and again, or show an expired refresh
   * token.
   */
  static Optional<Long> seconds(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    long value;
    if (node.isIntegralNumber() || node.isFloatingPointNumber()) {
      value = node.asLong();
    } else if (node.isTextual() && node.asText().trim().matches("\\d{1,12}")) {
      value = Long.parseLong(node.asText().trim());
    } else {
      return Optional.empty();
    }
    return value > 0 ? Optional.of(value) : Optional.empty();
  }

  /** Parses a raw token response; null if it is not JSON. */
  static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static Optional<String> text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node == null || node.isNull() || node.isContainerNode() ? Optional.empty() : Optional.of(node.asText());
  }

  private static String header(Map<String, String> headers, String name) {
    for (var e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }
}
