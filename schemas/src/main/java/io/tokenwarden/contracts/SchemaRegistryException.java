package io.tokenwarden.contracts;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry answered with an error that retrying does not fix: an unknown subject or schema id, an
 * incompatible or invalid schema, missing credentials. {@link #status()} and {@link #errorCode()} are the HTTP
 * status and the registry's {@code error_code} (such as 40403, schema not found).
 */
public class SchemaRegistryException extends KafkaException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final int errorCode;

  public SchemaRegistryException(String message, int status, int errorCode) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The registry's {@code error_code}, or the HTTP status when the body had none. */
  public int errorCode() {
    return errorCode;
  }
}
