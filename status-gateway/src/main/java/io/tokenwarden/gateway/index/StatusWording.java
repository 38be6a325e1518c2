package io.tokenwarden.gateway.index;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.stream.processor.ConnectionView;
import java.util.Map;

/**
 * What a person reads about a status: the state in words, and, beside the orange "!", what happened and what
 * to do, in plain words ("The Facebook token expired: reconnect the account."). The API serves these, so that
 * the page and a product's own UI say the same thing.
 */
public final class StatusWording {

  private static final Map<String, String> PROVIDER_NAMES = Map.of(
      "facebook", "Facebook", "instagram", "Instagram", "linkedin", "LinkedIn", "x", "X", "tiktok", "TikTok",
      "youtube", "YouTube", "pinterest", "Pinterest");

  private StatusWording() {}

  /** The provider's name as people write it; a generic provider's id as it is. */
  public static String providerName(String provider) {
    return PROVIDER_NAMES.getOrDefault(provider, provider);
  }

  /** The state in words. */
  public static String stateLabel(ConnectionState state) {
    return switch (state) {
      case CONNECTED -> "Connected";
      case REFRESHING -> "Renewing";
      case DEGRADED -> "Renewal failed, retrying";
      case EXPIRING -> "Expiring soon";
      case NEEDS_RECONNECT -> "Needs reconnecting";
      case EXPIRED -> "Expired";
      case REVOKED -> "Access revoked";
    };
  }

  /** What happened and what to do, for a status that needs a human or is worth a word; null otherwise. */
  public static String message(StatusView v) {
    String p = providerName(v.provider());
    String reason = v.reason();
    if (ConnectionView.REASON_REFRESH_TOKEN_EXPIRED.equals(reason)) {
      return "The " + p + " sign-in expired: reconnect the account.";
    }
    if (v.attention() && ConnectionView.REASON_REFRESH_TOKEN_EXPIRING.equals(reason)) {
      return "The " + p + " sign-in expires soon: reconnect the account to keep it working.";
    }
    return switch (v.state()) {
      case EXPIRED -> "The " + p + " token expired: reconnect the account.";
      case REVOKED -> "Access to the " + p + " account was revoked: reconnect the account.";
      case NEEDS_RECONNECT -> "invalid_grant".equals(reason) || "refresh_token_reused".equals(reason)
          ? p + " no longer accepts the saved sign-in: reconnect the account."
          : p + " refused to renew the token" + code(reason) + ": reconnect the account.";
      case EXPIRING -> v.attention()
          ? "The " + p + " token expires soon and cannot be renewed automatically: reconnect the account."
          : "The " + p + " token expires soon; it will be renewed automatically.";
      case DEGRADED -> v.attention() ? needsAttention(p)
          : "Renewing the " + p + " token failed for now" + code(reason) + "; retrying automatically.";
      case REFRESHING -> v.attention() ? needsAttention(p) : "Renewing the " + p + " token.";
      case CONNECTED -> v.attention() ? needsAttention(p) : null;
    };
  }

  private static String needsAttention(String provider) {
    return "The " + provider + " account needs attention: reconnect the account.";
  }

  private static String code(String reason) {
    return reason == null || reason.isBlank() ? "" : " (" + reason + ")";
  }
}
