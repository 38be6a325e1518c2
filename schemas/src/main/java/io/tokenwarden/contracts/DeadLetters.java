package io.tokenwarden.contracts;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers of a record on the dead-letter topic ({@code tokens.lifecycle.dlq}), which holds the bad records of
 * both {@code tokens.lifecycle} (from the expiry stream) and {@code tokens.refresh-commands} (from the refresh
 * worker). Kafka Streams' own header names (KIP-1034) carry the source topic, position and exception, and the
 * worker writes the same ones; {@value #REASON} carries our stable reason code, such as {@code undecodable} or
 * {@code unknown_provider}. The key and value are the original bytes.
 */
public final class DeadLetters {

  /** Stable reason code. */
  public static final String REASON = "tokenwarden.dlq.reason";
  /** Human-readable detail; never holds credential material. */
  public static final String DETAIL = "tokenwarden.dlq.detail";
  public static final String EXCEPTION = "__streams.errors.exception";
  public static final String MESSAGE = "__streams.errors.message";
  public static final String TOPIC = "__streams.errors.topic";
  public static final String PARTITION = "__streams.errors.partition";
  public static final String OFFSET = "__streams.errors.offset";

  /** Reason code of records whose key or value cannot be decoded. */
  public static final String UNDECODABLE = "undecodable";

  private DeadLetters() {}

  public static Headers headers(String reason, String detail, String topic, int partition, long offset,
      Exception exception) {
    Headers headers = new RecordHeaders();
    add(headers, REASON, reason);
    add(headers, DETAIL, detail);
    if (exception != null) {
      add(headers, EXCEPTION, exception.getClass().getName());
      add(headers, MESSAGE, String.valueOf(exception.getMessage()));
    }
    if (topic != null) {
      add(headers, TOPIC, topic);
      add(headers, PARTITION, Integer.toString(partition));
      add(headers, OFFSET, Long.toString(offset));
    }
    return headers;
  }

  private static void add(Headers headers, String name, String value) {
    if (value != null) {
      headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
  }
}
