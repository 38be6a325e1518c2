package io.tokenwarden.runtime.sealing;

/** Sealed credentials could not be opened or sealed. The message never contains key material or tokens. */
public class SealingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SealingException(String message, Throwable cause) {
    super(message, cause);
  }
}
