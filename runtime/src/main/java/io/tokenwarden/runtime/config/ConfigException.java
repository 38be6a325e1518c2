package io.tokenwarden.runtime.config;

/** A missing or malformed setting. The message names the variable and what was expected. */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
