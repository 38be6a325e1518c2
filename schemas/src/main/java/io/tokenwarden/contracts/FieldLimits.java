package io.tokenwarden.contracts;

/**
 * The largest value every string and byte field of the contracts may hold: the one catalogue that the publisher,
 * the CLI, the expiry stream and the worker check against. Lengths of strings are in UTF-16 code units (Java's
 * {@code String.length()}), so a field is at most three bytes per unit in UTF-8.
 *
 * <p>Identifiers and sealed credentials are <em>rejected</em> when too large (the publisher and the CLI name the
 * field, the stream dead-letters the record with reason {@link DeadLetters#TOO_LARGE}). Free text written by a
 * provider or a person (a revocation reason, a provider's error code and description) is <em>truncated</em> to
 * its limit with {@link #TRUNCATION_MARKER} at the end, because the fact it comes with must not be lost.
 *
 * <p>The limits keep every record the stream writes (its state, a refresh command, a status) far below Kafka's
 * default 1 MB message size, so no input can make a write fail.
 */
public final class FieldLimits {

  /** {@code eventId}, {@code connectionId}, {@code tenantId}, {@code accountId}, {@code commandId}, {@code requestedBy}. */
  public static final int ID = 255;
  /** {@code provider}. */
  public static final int PROVIDER = 64;
  /** {@code SealedCredentials.keyId}. */
  public static final int KEY_ID = 64;
  /** {@code SealedCredentials.ciphertext}, in bytes: room for very large JWTs and a refresh token. */
  public static final int CIPHERTEXT_BYTES = 64 * 1024;
  /**
   * An access or refresh token before sealing (OAuth2 tokens are printable ASCII, one byte each): two of them,
   * sealed, stay within {@link #CIPHERTEXT_BYTES}.
   */
  public static final int TOKEN = 16 * 1024;
  /** A token type ({@code Bearer}) before sealing. */
  public static final int TOKEN_TYPE = 64;
  /** Entries of {@code TokenIssued.scopes}. */
  public static final int SCOPES = 100;
  /** One entry of {@code TokenIssued.scopes}. */
  public static final int SCOPE = 255;
  /** {@code TokenRevoked.reason}; truncated. */
  public static final int REVOKE_REASON = 1024;
  /** {@code RefreshFailed.errorCode}; truncated. */
  public static final int ERROR_CODE = 64;
  /** {@code RefreshFailed.errorDescription}; truncated. */
  public static final int ERROR_DESCRIPTION = 1024;

  /** Ends a truncated value; the whole result, marker included, is within the limit. */
  public static final String TRUNCATION_MARKER = "…[truncated]";

  private FieldLimits() {}

  /** Whether {@code value} (null counts as fitting) is at most {@code max} units long. */
  public static boolean fits(String value, int max) {
    return value == null || value.length() <= max;
  }

  /**
   * {@code value} itself if it fits, otherwise its start followed by {@link #TRUNCATION_MARKER}, {@code max}
   * units in all. A surrogate pair is never cut in half.
   */
  public static String truncate(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    if (max <= TRUNCATION_MARKER.length()) {
      throw new IllegalArgumentException("a limit must leave room for the marker: " + max);
    }
    int keep = max - TRUNCATION_MARKER.length();
    if (Character.isHighSurrogate(value.charAt(keep - 1))) {
      keep--;
    }
    return value.substring(0, keep) + TRUNCATION_MARKER;
  }
}
