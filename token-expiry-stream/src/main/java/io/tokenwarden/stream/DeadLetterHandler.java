package io.tokenwarden.stream;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that cannot be decoded to the dead-letter topic named by
 * {@code errors.dead.letter.queue.topic.name} (Kafka Streams' built-in dead-letter support, KIP-1034) and
 * keeps processing. Kafka Streams writes the returned record in the same transaction as the task's output.
 * The meter registry, if any, is passed in the streams configuration under {@link #METER_REGISTRY_CONFIG}.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

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
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    if (SchemaRegistryUnavailableException.isCause(exception)) {
      // The record is fine; the registry is not. Fail without a dead letter: the thread is replaced and reads it
      // again (RegistryOutageHandlers).
      log.warn("cannot decode the record at {}-{}@{} while the schema registry is unavailable; it is kept and"
          + " retried: {}", context.topic(), context.partition(), context.offset(), exception.getMessage());
      return Response.fail();
    }
    // The bytes may hold sealed credentials; log the position and the cause only.
    log.warn("undecodable record at {}-{}@{} sent to the dead-letter topic: {}: {}", context.topic(),
        context.partition(), context.offset(), exception.getClass().getSimpleName(), exception.getMessage());
    if (registry != null) {
      ExpiryMetrics.deadLetter(registry, DeadLetters.UNDECODABLE);
    }
    if (deadLetterTopic == null) {
      return Response.resume();
    }
    ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(deadLetterTopic, null, record.key(),
        record.value(), DeadLetters.headers(DeadLetters.UNDECODABLE, "the key or value cannot be decoded",
            context.topic(), context.partition(), context.offset(), exception));
    return Response.resume(List.of(deadLetter));
  }
}
