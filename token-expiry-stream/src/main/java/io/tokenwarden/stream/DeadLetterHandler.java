package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.DeadLetters;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the records Kafka Streams cannot handle to the dead-letter topic named by
 * {@code errors.dead.letter.queue.topic.name} (Kafka Streams' built-in dead-letter support, KIP-1034) and keeps
 * processing; Kafka Streams writes the returned record in the same transaction as the task's output and offsets.
 * It is both handlers:
 * <ul>
 *   <li>the deserialization exception handler: a record that cannot be decoded, reason {@code undecodable};</li>
 *   <li>the processing exception handler (KIP-1033): a record whose processing throws, reason
 *       {@code processing_error}, with its original key and value bytes and the exception's class. The
 *       exception's message is neither logged nor put in a header, since it may quote the data being processed;
 *       the class and the line it was thrown at say where to look.</li>
 * </ul>
 * A schema registry that cannot be reached is neither: the record is fine, so both handlers fail without a dead
 * letter, the stream thread is replaced and reads it again from the last commit ({@link RegistryOutageHandlers}).
 * The meter registry, if any, is passed in the streams configuration under {@link #METER_REGISTRY_CONFIG}.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

  /** Streams config key whose value is the {@link MeterRegistry} to count dead letters on. */
  public static final String METER_REGISTRY_CONFIG = "tokenwarden.meter.registry";

  private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

  private String deadLetterTopic;
  private MeterRegistry registry;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = topic == null ? null : topic.toString();
    registry = configs.get(METER_REGISTRY_CONFIG) instanceof MeterRegistry r ? r : null;
  }

  @Override
  public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
      ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (RegistryOutageHandlers.isOutage(exception, context, "decode")) {
      return DeserializationExceptionHandler.Response.fail();
    }
    // The bytes may hold sealed credentials; log the position and the cause only.
    log.warn("undecodable record at {}-{}@{} sent to the dead-letter topic: {}: {}", context.topic(),
        context.partition(), context.offset(), exception.getClass().getSimpleName(), exception.getMessage());
    count(DeadLetters.UNDECODABLE);
    if (deadLetterTopic == null) {
      return DeserializationExceptionHandler.Response.resume();
    }
    ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(deadLetterTopic, null, record.key(),
        record.value(), DeadLetters.headers(DeadLetters.UNDECODABLE, "the key or value cannot be decoded",
            context.topic(), context.partition(), context.offset(), exception));
    return DeserializationExceptionHandler.Response.resume(List.of(deadLetter));
  }

  @Override
  public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
      Exception exception) {
    if (RegistryOutageHandlers.isOutage(exception, context, "process")) {
      return ProcessingExceptionHandler.Response.fail();
    }
    StackTraceElement at = exception.getStackTrace().length == 0 ? null : exception.getStackTrace()[0];
    log.warn("processing the record at {}-{}@{} in {} threw {} at {}; sent to the dead-letter topic", context.topic(),
        context.partition(), context.offset(), context.processorNodeId(), exception.getClass().getName(), at);
    count(DeadLetters.PROCESSING_ERROR);
    if (deadLetterTopic == null || context.sourceRawKey() == null && context.sourceRawValue() == null) {
      // A punctuation has no source record; the processor isolates its timers itself, so this is rare.
      return ProcessingExceptionHandler.Response.resume();
    }
    String detail = "processing in " + context.processorNodeId() + " threw " + exception.getClass().getSimpleName();
    ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(deadLetterTopic, null, context.sourceRawKey(),
        context.sourceRawValue(), DeadLetters.headersNamingException(DeadLetters.PROCESSING_ERROR, detail,
            context.topic(), context.partition(), context.offset(), exception.getClass()));
    return ProcessingExceptionHandler.Response.resume(List.of(deadLetter));
  }

  private void count(String reason) {
    if (registry != null) {
      ExpiryMetrics.deadLetter(registry, reason);
    }
  }
}
