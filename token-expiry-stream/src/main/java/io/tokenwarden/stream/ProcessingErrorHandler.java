package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.DeadLetters;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing exception handler (KIP-1033): a record whose processing throws goes to the
 * dead-letter topic with reason {@code processing_error}, its original key and value bytes, and the exception's
 * class, and the task goes on with the next record. Kafka Streams writes the dead letter in the same
 * transaction as the task's output and offsets.
 *
 * <p>The exception's message is neither logged nor put in a header: it may quote the data being processed. The
 * class and the line it was thrown at say where to look.
 */
public final class ProcessingErrorHandler implements ProcessingExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProcessingErrorHandler.class);

  private String deadLetterTopic;
  private MeterRegistry registry;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = topic == null ? null : topic.toString();
    registry = configs.get(DeadLetterHandler.METER_REGISTRY_CONFIG) instanceof MeterRegistry r ? r : null;
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    StackTraceElement at = exception.getStackTrace().length == 0 ? null : exception.getStackTrace()[0];
    log.warn("processing the record at {}-{}@{} in {} threw {} at {}; sent to the dead-letter topic", context.topic(),
        context.partition(), context.offset(), context.processorNodeId(), exception.getClass().getName(), at);
    if (registry != null) {
      ExpiryMetrics.deadLetter(registry, DeadLetters.PROCESSING_ERROR);
    }
    if (deadLetterTopic == null || context.sourceRawKey() == null && context.sourceRawValue() == null) {
      // A punctuation has no source record; the processor isolates its timers itself, so this is rare.
      return Response.resume();
    }
    String detail = "processing in " + context.processorNodeId() + " threw " + exception.getClass().getSimpleName();
    ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(deadLetterTopic, null, context.sourceRawKey(),
        context.sourceRawValue(), DeadLetters.headersNamingException(DeadLetters.PROCESSING_ERROR, detail,
            context.topic(), context.partition(), context.offset(), exception.getClass()));
    return Response.resume(List.of(deadLetter));
  }
}
