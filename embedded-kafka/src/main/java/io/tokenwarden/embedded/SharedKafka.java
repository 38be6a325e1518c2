package io.tokenwarden.embedded;

/**
 * One broker for a whole test JVM: {@code KAFKA_BOOTSTRAP_SERVERS} when it is set, otherwise an
 * {@link EmbeddedKafka} started on first use and closed when the JVM exits. Tests isolate themselves with
 * their own topic prefixes and application ids.
 */
public final class SharedKafka {

  private static String bootstrapServers;

  private SharedKafka() {}

  /** The bootstrap servers of the shared broker, starting it if needed. */
  public static synchronized String bootstrapServers() {
    if (bootstrapServers == null) {
      String configured = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
      if (configured != null && !configured.isBlank()) {
        bootstrapServers = configured.trim();
      } else {
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-shutdown"));
        bootstrapServers = kafka.bootstrapServers();
      }
    }
    return bootstrapServers;
  }
}
