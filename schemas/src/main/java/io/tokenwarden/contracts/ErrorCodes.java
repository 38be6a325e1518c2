package io.tokenwarden.contracts;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bounded vocabulary of refresh error codes. A {@code RefreshFailed.errorCode} comes from a provider (any
 * string it likes) or from us; before it becomes a metric label it goes through {@link #label}, so a provider
 * cannot create unbounded time series. Status reasons keep the code itself, truncated to
 * {@link FieldLimits#ERROR_CODE}.
 */
public final class ErrorCodes {

  /** Label of every code outside the vocabulary. */
  public static final String OTHER = "other";

  /**
   * The worker's code for a command it failed to handle itself (the handler threw, the answer could not be
   * encoded or was too large to publish); always TRANSIENT.
   */
  public static final String HANDLER_ERROR = "handler_error";

  /** The stream's own code for a refresh command that got no answer within its deadline. */
  public static final String COMMAND_TIMEOUT = "command_timeout";

  /** The stream's own code for a refresh whose sealed credentials exceed {@link FieldLimits#CIPHERTEXT_BYTES}. */
  public static final String CREDENTIALS_TOO_LARGE = "credentials_too_large";

  /**
   * RFC 6749 §5.2 token endpoint errors, the provider-specific codes the worker classifies (see
   * {@code refresh-worker/PROVIDERS.md}), and our own.
   */
  public static final Set<String> KNOWN = Set.of(
      "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
      "invalid_scope", "access_denied", "server_error", "temporarily_unavailable",
      "rate_limit_exceeded", "internal_error", "access_token_invalid", "scope_not_authorized",
      "refresh_token_reused", "rate_limited", "circuit_open", "timeout", "network_error", "connection_failed",
      "malformed_response", "not_refreshable", "no_refresh_token", "unsealing_failed", "unknown_provider",
      "provider_not_configured", "client_error", "interrupted", HANDLER_ERROR, COMMAND_TIMEOUT, CREDENTIALS_TOO_LARGE);

  /** {@code http_<status>} and {@code graph_<code>}: bounded by their three digits. */
  private static final Pattern NUMBERED = Pattern.compile("(http|graph)_\\d{1,3}");

  private ErrorCodes() {}

  /** The metric label of {@code code}: itself when in the vocabulary (case-insensitive), else {@link #OTHER}. */
  public static String label(String code) {
    if (code == null || code.length() > FieldLimits.ERROR_CODE) {
      return OTHER;
    }
    String lower = code.trim().toLowerCase(Locale.ROOT);
    return KNOWN.contains(lower) || NUMBERED.matcher(lower).matches() ? lower : OTHER;
  }
}
