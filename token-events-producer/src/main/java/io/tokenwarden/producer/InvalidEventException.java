package io.tokenwarden.producer;

/** An event failed validation and was not published. The message starts with the offending field. */
public class InvalidEventException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidEventException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The name of the invalid field, as in the Avro contract. */
  public String field() {
    return field;
  }
}
