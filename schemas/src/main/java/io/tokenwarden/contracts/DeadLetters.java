package io.tokenwarden.contracts;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
  /** A {@code TokenIssued} for a provider that is neither built in nor configured. */
  public static final String UNKNOWN_PROVIDER = "unknown_provider";
  /** An expiry before 2000 or more than ten years ahead (seconds sent as milliseconds, most likely). */
  public static final String EXPIRES_AT_OUT_OF_RANGE = "expires_at_out_of_range";
  /** An upstream event's {@code occurredAt} before 2000 (0, negative) or more than a day ahead of the stream. */
  public static final String OCCURRED_AT_OUT_OF_RANGE = "occurred_at_out_of_range";
  public static final String MISSING_PAYLOAD = "missing_payload";
  public static final String MISSING_PROVIDER = "missing_provider";
  public static final String MISSING_ACCOUNT_ID = "missing_account_id";
  public static final String MISSING_EVENT_ID = "missing_event_id";
  /** The record key is not the event's connection id. */
  public static final String KEY_MISMATCH = "key_mismatch";
  /** A tombstone on {@code tokens.lifecycle}. */
  public static final String NULL_VALUE = "null_value";
  /** An identifier, the sealed credentials or the scopes exceed their {@link FieldLimits}. */
  public static final String TOO_LARGE = "too_large";
  /** Processing the record threw; the exception's class is in {@link #EXCEPTION}, its message is not kept. */
  public static final String PROCESSING_ERROR = "processing_error";
  /** A timer of the stream threw when it fired; it was dropped. The key is the connection id, the value empty. */
  public static final String TIMER_ERROR = "timer_error";
  /** The refresh worker failed to handle a command. */
  public static final String HANDLER_ERROR = "handler_error";

  /** Every reason the expiry stream writes. */
  public static final List<String> STREAM_REASONS = List.of(UNDECODABLE, UNKNOWN_PROVIDER, EXPIRES_AT_OUT_OF_RANGE,
      OCCURRED_AT_OUT_OF_RANGE, MISSING_PAYLOAD, MISSING_PROVIDER, MISSING_ACCOUNT_ID, MISSING_EVENT_ID,
      KEY_MISMATCH, NULL_VALUE, TOO_LARGE, PROCESSING_ERROR, TIMER_ERROR);

  private DeadLetters() {}

  /**
   * As {@link #headers}, but naming only the exception's class: for exceptions whose message may quote the
   * data being processed.
   */
  public static Headers headersNamingException(String reason, String detail, String topic, int partition,
      long offset, Class<?> exception) {
    Headers headers = headers(reason, detail, topic, partition, offset, null);
    add(headers, EXCEPTION, exception.getName());
    return headers;
  }

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
