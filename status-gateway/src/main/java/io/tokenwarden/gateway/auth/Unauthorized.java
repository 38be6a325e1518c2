package io.tokenwarden.gateway.auth;

/** A missing, malformed, forged or expired credential. The message is for logs and never names the secret. */
public final class Unauthorized extends Exception {

  public Unauthorized(String message) {
    super(message, null, false, false);
  }
}
