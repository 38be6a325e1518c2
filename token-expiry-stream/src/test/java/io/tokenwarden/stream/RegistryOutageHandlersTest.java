package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.errors.internals.DefaultErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * With a dead-letter topic configured, Kafka Streams' default handlers send the source record there before they
 * fail. A record that could not be written or read only because the registry was down must not end there.
 */
class RegistryOutageHandlersTest {

  private static final Map<String, Object> CONFIG =
      Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "tokens.lifecycle.dlq");
  private static final DefaultErrorHandlerContext CONTEXT = new DefaultErrorHandlerContext(null, "tokens.lifecycle", 0,
      17, new RecordHeaders(), "connections", new TaskId(0, 0), 1L, "k".getBytes(), "v".getBytes());

  private static final Exception OUTAGE = new StreamsException(new SerializationException("wrapped",
      new SchemaRegistryUnavailableException("registry down", new IOException("refused"))));
  private static final Exception BAD_RECORD = new SerializationException("cannot encode");

  @Test
  void aSinkThatCannotReachTheRegistryFailsWithoutADeadLetter() {
    var handler = new RegistryOutageHandlers.Production();
    handler.configure(CONFIG);
    var record = new ProducerRecord<Object, Object>("tokens.expiry", "k", "v");

    var outage = handler.handleSerializationError(CONTEXT, record, OUTAGE, SerializationExceptionOrigin.VALUE);
    assertThat(outage.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    assertThat(outage.deadLetterQueueRecords()).isEmpty();

    // Any other serialization error keeps Kafka Streams' default: fail, with the source record dead-lettered.
    var bad = handler.handleSerializationError(CONTEXT, record, BAD_RECORD, SerializationExceptionOrigin.VALUE);
    assertThat(bad.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    assertThat(bad.deadLetterQueueRecords()).singleElement()
        .satisfies(r -> assertThat(r.topic()).isEqualTo("tokens.lifecycle.dlq"));
  }

  @Test
  void aProcessorThatCannotReachTheRegistryFailsWithoutADeadLetter() {
    var handler = new DeadLetterHandler();
    handler.configure(CONFIG);
    var record = new Record<>("k", "v", 1L);

    var outage = handler.handleError(CONTEXT, record, OUTAGE);
    assertThat(outage.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
    assertThat(outage.deadLetterQueueRecords()).isEmpty();
    var bug = handler.handleError(CONTEXT, record, new IllegalStateException("bug"));
    assertThat(bug.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(bug.deadLetterQueueRecords()).hasSize(1);
  }

  @Test
  void anUnreadableRecordGoesToTheDeadLetterTopicButOneWaitingForTheRegistryDoesNot() {
    var handler = new DeadLetterHandler();
    handler.configure(CONFIG);
    var record = new ConsumerRecord<>("tokens.lifecycle", 0, 17L, "k".getBytes(), "v".getBytes());

    var outage = handler.handleError(CONTEXT, record, OUTAGE);
    assertThat(outage.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    assertThat(outage.deadLetterQueueRecords()).isEmpty();

    var bad = handler.handleError(CONTEXT, record, BAD_RECORD);
    assertThat(bad.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(bad.deadLetterQueueRecords()).hasSize(1);
  }

  @Test
  void theThreadIsReplacedOnAnOutageAndTheClientStopsOnAnythingElse() {
    assertThat(RegistryOutageHandlers.threadResponse(OUTAGE)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    assertThat(RegistryOutageHandlers.threadResponse(new StreamsException(BAD_RECORD)))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }
}
