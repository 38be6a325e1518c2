package io.tokenwarden.worker.outcome;

import static io.tokenwarden.schema.FailureKind.PERMANENT;
import static io.tokenwarden.schema.FailureKind.TRANSIENT;

import io.tokenwarden.schema.FailureKind;
import io.tokenwarden.worker.outcome.RefreshOutcome.Failed;
import io.tokenwarden.worker.provider.TokenEndpointError;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a failed refresh is PERMANENT (a human must reconnect) or TRANSIENT (retry later), per provider.
 * Sources for every row are in {@code refresh-worker/PROVIDERS.md}.
 *
 * <p>Order of rules: an unreadable body is TRANSIENT; a Facebook Graph {@code error.code} is looked up in
 * {@link #GRAPH_CODES}; an error string in the provider's own table, then in {@link #OAUTH2}; anything else by
 * HTTP status, and an unknown error is TRANSIENT: the stream retries it with backoff, and the token's own
 * expiry still raises the "!" if it never recovers.
 */
public final class ErrorClassification {

  /** Token endpoint errors of RFC 6749 §5.2, which every provider here uses. */
  public static final Map<String, FailureKind> OAUTH2 = Map.of(
      "invalid_grant",           PERMANENT,  // refresh token invalid, expired, revoked, or issued to another client
      "unauthorized_client",     PERMANENT,  // the client may no longer use this grant for this user
      "invalid_scope",           PERMANENT,  // the grant no longer covers the scope
      "access_denied",           PERMANENT,  // the user or provider denied the grant
      "invalid_client",          TRANSIENT,  // OUR misconfiguration (client id/secret): alert, never the user's "!"
      "unsupported_grant_type",  TRANSIENT,  // OUR misconfiguration
      "invalid_request",         TRANSIENT,  // a malformed request is our bug, not the user's
      "server_error",            TRANSIENT,
      "temporarily_unavailable", TRANSIENT);

  /** Errors that are our configuration's fault: TRANSIENT for the user, but logged as errors and counted. */
  public static final Set<String> MISCONFIGURATION = Set.of("invalid_client", "unsupported_grant_type");

  /**
   * Facebook Graph API error codes (Instagram's refresh endpoint answers in this format): 190 expired or
   * invalid token, 102 session, 10 and 200-299 permission; 1 unknown, 2 service, 4 and 17 call limits,
   * 341 application limit, 368 temporarily blocked.
   */
  public static final Map<Integer, FailureKind> GRAPH_CODES = Map.ofEntries(
      Map.entry(190, PERMANENT), Map.entry(102, PERMANENT), Map.entry(10, PERMANENT),
      Map.entry(1, TRANSIENT), Map.entry(2, TRANSIENT), Map.entry(4, TRANSIENT), Map.entry(17, TRANSIENT),
      Map.entry(341, TRANSIENT), Map.entry(368, TRANSIENT));

  /** Provider-specific error strings, consulted before {@link #OAUTH2}. */
  public static final Map<String, Map<String, FailureKind>> PROVIDER_CODES = Map.of(
      "tiktok", Map.of(
          "rate_limit_exceeded",  TRANSIENT,
          "internal_error",       TRANSIENT,
          "access_token_invalid", TRANSIENT,   // concerns the access token, not the refresh token we send
          "scope_not_authorized", PERMANENT));

  /** Our error code for an {@code invalid_grant} that follows a possible earlier use of a rotating refresh token. */
  public static final String REFRESH_TOKEN_REUSED = "refresh_token_reused";

  private ErrorClassification() {}

  /** The kind of a Facebook Graph error code, if the table knows it. */
  public static Optional<FailureKind> graphCode(int code) {
    if (code >= 200 && code <= 299) {
      return Optional.of(PERMANENT);
    }
    return Optional.ofNullable(GRAPH_CODES.get(code));
  }

  /** The kind of an error string at {@code provider}, if a table knows it. */
  public static Optional<FailureKind> errorCode(String provider, String error) {
    FailureKind specific = PROVIDER_CODES.getOrDefault(provider, Map.of()).get(error);
    return Optional.ofNullable(specific != null ? specific : OAUTH2.get(error));
  }

  /**
   * Classifies a token endpoint's error answer.
   *
   * @param secrets values that must not appear in the published description (tokens, client secret)
   */
  public static Failed classify(String provider, TokenEndpointError e, Collection<String> secrets) {
    Optional<String> description = e.description().map(d -> Redaction.redact(d, secrets));
    if (e.malformed()) {
      return new Failed(TRANSIENT, "malformed_response", Optional.of("HTTP " + e.status()
          + ": the body is empty, not JSON, or has no access token"), e.retryAfter(), false);
    }
    Optional<FailureKind> kind = Optional.empty();
    String code = null;
    if (e.graphCode().isPresent()) {
      kind = graphCode(e.graphCode().get());
      code = "graph_" + e.graphCode().get();
    } else if (e.error().isPresent()) {
      code = e.error().get();
      kind = errorCode(provider, code);
    }
    if (kind.isEmpty()) {
      int status = e.status();
      String byStatus = status == 429 ? "rate_limited" : "http_" + status;
      return new Failed(TRANSIENT, code != null ? code : byStatus, description.or(() -> Optional.of("HTTP " + status)),
          e.retryAfter(), false);
    }
    if (kind.get() == PERMANENT) {
      return new Failed(PERMANENT, code, description, Optional.empty(), false);
    }
    return new Failed(TRANSIENT, code, description, e.retryAfter(), MISCONFIGURATION.contains(code));
  }

  /** Classifies a call that got no answer: all TRANSIENT. */
  public static Failed classify(IOException e) {
    if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
      return Failed.transientFailure("timeout", "no answer within the timeout", Optional.empty());
    }
    if (e instanceof ConnectException || e instanceof UnknownHostException) {
      return Failed.transientFailure("connection_failed", e.getClass().getSimpleName(), Optional.empty());
    }
    return Failed.transientFailure("network_error", e.getClass().getSimpleName(), Optional.empty());
  }

  /**
   * The rotation rule. A refresh token that rotates is single-use: if the worker may have used it before (the
   * command was possibly delivered to an earlier worker that crashed after the provider answered), an
   * {@code invalid_grant} is most likely that earlier use, and is reported as PERMANENT
   * {@value #REFRESH_TOKEN_REUSED}. It is PERMANENT either way; only the reason differs.
   */
  public static Failed afterPossibleReuse(Failed failed, boolean rotates, boolean possiblyDeliveredBefore) {
    if (rotates && possiblyDeliveredBefore && failed.kind() == PERMANENT && "invalid_grant".equals(failed.errorCode())) {
      return new Failed(PERMANENT, REFRESH_TOKEN_REUSED, Optional.of("invalid_grant for a single-use refresh token"
          + " after this command was possibly handled before (a crash between the provider's answer and the commit)"),
          Optional.empty(), false);
    }
    return failed;
  }
}
