package io.tokenwarden.contracts;

import org.apache.kafka.common.errors.RetriableException;

/**
 * The schema registry did not answer (connection refused, timeout, 5xx, 429) after every retry. Nothing is
 * wrong with the record: whoever gets this must stop, keep the record, and try again later, never send it to
 * the dead-letter topic.
 */
public class SchemaRegistryUnavailableException extends RetriableException {
  private static final long serialVersionUID = 1L;

  public SchemaRegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether {@code t} or one of its causes is a registry outage. */
  public static boolean isCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SchemaRegistryUnavailableException) {
        return true;
      }
      if (c.getCause() == c) {
        return false;
      }
    }
    return false;
  }
}
