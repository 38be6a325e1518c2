package io.tokenwarden.stream;

import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the expiry stream does when the schema registry cannot be reached: the record in hand is fine, so it must
 * neither be dropped nor dead-lettered. Kafka Streams' default production handler would do the latter: with a
 * dead-letter topic configured it sends the source record there before failing; {@link DeadLetterHandler}, the
 * deserialization and processing handler, would too. All of them fail without a dead letter on an outage;
 * the stream thread dies, nothing of its open transaction is committed, and {@link #threadResponse} replaces the
 * thread, which starts again from the last commit and waits for the registry in the same place. Every other
 * error is handled as Kafka Streams' defaults handle it.
 */
public final class RegistryOutageHandlers {

  private static final Logger log = LoggerFactory.getLogger(RegistryOutageHandlers.class);

  private RegistryOutageHandlers() {}

  /**
   * Whether {@code exception} is a registry outage; if so, logs that the record at {@code context} is kept. The
   * message names the registry and the cause, never the record's bytes.
   */
  static boolean isOutage(Exception exception, ErrorHandlerContext context, String action) {
    if (!SchemaRegistryUnavailableException.isCause(exception)) {
      return false;
    }
    log.warn("cannot {} the record at {}-{}@{} while the schema registry is unavailable; it is kept and retried:"
        + " {}", action, context.topic(), context.partition(), context.offset(), exception.getMessage());
    return true;
  }

  /** Replace the thread on a registry outage; shut the client down on anything else. */
  static StreamThreadExceptionResponse threadResponse(Throwable error) {
    return SchemaRegistryUnavailableException.isCause(error)
        ? StreamThreadExceptionResponse.REPLACE_THREAD
        : StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  /** Serialization errors in sinks ({@code production.exception.handler}). */
  public static final class Production extends DefaultProductionExceptionHandler {
    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
        SerializationExceptionOrigin origin) {
      if (SchemaRegistryUnavailableException.isCause(exception)) {
        log.warn("cannot write to {}: the schema registry is unavailable; the record is kept and retried: {}",
            record.topic(), exception.getMessage());
        return Response.fail();
      }
      return super.handleSerializationError(context, record, exception, origin);
    }
  }
}
