package io.tokenwarden.runtime.topics;

/** Existing topics do not match the catalogue in a way that would break Tokenwarden. */
public class TopicVerificationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TopicVerificationException(String message) {
    super(message);
  }
}
