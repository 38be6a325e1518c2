package io.tokenwarden.gateway.index;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where a page of a tenant's listing ended: the last connection returned and its attention, opaque to
 * clients (base64url).
 */
public record Cursor(boolean attention, String connectionId) {

  /** Longest cursor accepted from a client. */
  public static final int MAX_LENGTH = 1024;

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(((attention ? "1:" : "0:") + connectionId).getBytes(StandardCharsets.UTF_8));
  }

  /** Empty when {@code text} is not a cursor this gateway wrote. */
  public static Optional<Cursor> decode(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    try {
      String s = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      if (s.length() < 3 || s.charAt(1) != ':' || (s.charAt(0) != '0' && s.charAt(0) != '1')) {
        return Optional.empty();
      }
      return Optional.of(new Cursor(s.charAt(0) == '1', s.substring(2)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
