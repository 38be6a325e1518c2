package io.tokenwarden.gateway.auth;

import java.time.Instant;

/**
 * Who is calling, from a verified token or ticket.
 *
 * @param tenant the tenant the caller may read and change
 * @param subject the token's {@code sub}, for audit; may be empty
 * @param expiresAt when the caller's token expires; a stream opened with it ends then
 */
public record Principal(String tenant, String subject, Instant expiresAt) {

  @Override
  public String toString() {
    return "Principal[tenant=" + tenant + "]";
  }
}
