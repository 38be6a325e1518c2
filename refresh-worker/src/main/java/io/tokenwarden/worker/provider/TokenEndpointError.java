package io.tokenwarden.worker.provider;

import com.github.scribejava.core.exceptions.OAuthException;
import java.time.Instant;
import java.util.Optional;

/**
 * The token endpoint answered, but not with a token: an error status, an error body, or a body we cannot read.
 * The message holds the HTTP status and the provider's error code only, never the body: bodies may echo
 * request parameters.
 *
 * @see io.tokenwarden.worker.outcome.ErrorClassification
 */
public final class TokenEndpointError extends OAuthException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient Optional<String> error;
  private final transient Optional<String> description;
  private final transient Optional<Integer> graphCode;
  private final transient Optional<Instant> retryAfter;
  private final boolean malformed;

  private TokenEndpointError(int status, Optional<String> error, Optional<String> description,
      Optional<Integer> graphCode, Optional<Instant> retryAfter, boolean malformed) {
    super("token endpoint answered HTTP " + status + (malformed ? " with a malformed body"
        : error.map(e -> " with error " + e).orElse("") + graphCode.map(c -> " with Graph code " + c).orElse("")));
    this.status = status;
    this.error = error;
    this.description = description;
    this.graphCode = graphCode;
    this.retryAfter = retryAfter;
    this.malformed = malformed;
  }

  /** An error answer: an OAuth2 {@code error} and/or a Facebook Graph {@code error.code}, either may be absent. */
  public static TokenEndpointError answer(int status, Optional<String> error, Optional<String> description,
      Optional<Integer> graphCode, Optional<Instant> retryAfter) {
    return new TokenEndpointError(status, error, description, graphCode, retryAfter, false);
  }

  /** A body that is not JSON, is empty, or lacks an access token. */
  public static TokenEndpointError malformed(int status, Optional<Instant> retryAfter) {
    return new TokenEndpointError(status, Optional.empty(), Optional.empty(), Optional.empty(), retryAfter, true);
  }

  public int status() {
    return status;
  }

  /** The OAuth2 {@code error} code (RFC 6749 §5.2), or a provider's own string code. */
  public Optional<String> error() {
    return error;
  }

  /** The provider's human-readable description; may need redaction before it is published. */
  public Optional<String> description() {
    return description;
  }

  /** The Facebook Graph error code (Instagram answers in that format). */
  public Optional<Integer> graphCode() {
    return graphCode;
  }

  /** From the {@code Retry-After} header, if the provider sent one. */
  public Optional<Instant> retryAfter() {
    return retryAfter;
  }

  public boolean malformed() {
    return malformed;
  }
}
